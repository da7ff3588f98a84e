import ArgumentParser
import Foundation
import VGGIndexTypes
import VGGInference

extension DatabaseOptions {
    /// The index's model whose weights a command that computes (classify, explain) uses when
    /// no weights are named: `id`, else the one with the most images; nil without an index or
    /// when weights are named (`--weights`, or VGGBATCH_WEIGHTS).
    func rememberedModel(id: Int64?, weightsNamed: Bool) throws -> StoredModel? {
        let environment = ProcessInfo.processInfo.environment
        if weightsNamed || WeightsRequest.namesWeights(path: nil, environment: environment) {
            if id != nil { throw ValidationError("--model chooses the index's weights; leave out --weights or VGGBATCH_WEIGHTS.") }
            return nil
        }
        guard exists else {
            if id != nil { throw CommandFailure("--model: there is no index at \(path(environment: environment))") }
            return nil
        }
        let index = try openReader()
        let chosen: StoredModel?
        do throws(StoreError) {
            chosen = try index.models.model(id: id)
        } catch {
            throw CommandFailure(error.reason)
        }
        if chosen == nil, let id { throw CommandFailure("no model \(id) in the index (see `vggbatch status`)") }
        return chosen
    }
}
