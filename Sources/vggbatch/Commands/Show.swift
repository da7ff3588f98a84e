import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGPipeline
import VGGIndexTypes
import VGGQuery

extension VGGBatch {
    /// `vggbatch show`: everything stored for one file.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what the index stores for one image file.")

        @Argument(help: ArgumentHelp("An image file under a scanned folder.", valueName: "image"))
        var image: String

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let index = try database.openReader()
            let path = PathBytes.absolute(image)
            let found: ImageDetails?
            do throws(StoreError) {
                found = try index.results.details(absolutePath: path)
            } catch {
                throw CommandFailure(error.reason)
            }
            guard let details = found else {
                throw CommandFailure("\(image) is not in the index (scan its folder first)")
            }
            let display = PathBytes.display(path)
            let models: [StoredModel]
            do throws(StoreError) {
                models = try index.models.all()
            } catch {
                throw CommandFailure(error.reason)
            }
            // The layer each model stores: fc7, or pool5 for weights that end there.
            func layer(_ modelID: Int64) -> String {
                let architecture = models.first { $0.id == modelID }?.architecture
                return FeatureKind.network.name(hasClassifier: architecture?.hasClassifier ?? true)
            }
            let results = details.results.map { modelID, result in
                (modelID, result.top.map { entry in (ImageNetLabels.at(entry.index), entry.index, entry.probability) },
                 result.features.isEmpty ? nil : result.features)
            }
            if json {
                print(JSONText.object(path: path, [
                    ("status", JSONText.string(details.image.status.rawValue)),
                    ("reason", details.failureReason.map(JSONText.string) ?? "null"),
                    ("size", "\(details.image.stat.size)"), ("width", details.width.map(String.init) ?? "null"),
                    ("height", details.height.map(String.init) ?? "null"),
                    ("fingerprint", JSONText.string(details.image.fingerprint.map(Hex.encode) ?? "")),
                    ("first_seen", JSONText.string(details.firstSeen)), ("last_seen", JSONText.string(details.lastSeen)),
                    ("models", JSONText.array(results.map { modelID, top, features in
                        JSONText.object([
                            ("model", "\(modelID)"),
                            ("top", JSONText.array(top.map { label, index, probability in
                                JSONText.object([("index", "\(index)"), ("wnid", JSONText.string(label?.wnid ?? "")), ("label", JSONText.string(label?.label ?? "")), ("probability", JSONText.number(Float(probability)))])
                            })),
                            ("feature_layer", JSONText.string(layer(modelID))),
                            ("feature_dim", features.map { "\($0.count)" } ?? "null"),
                        ])
                    })),
                ]))
                return
            }
            print(display)
            print("  status       \(details.image.status.rawValue)\(details.failureReason.map { ": \($0)" } ?? "")")
            print("  size         \(details.image.stat.size) bytes\(details.width.map { w in details.height.map { ", \(w)x\($0)" } ?? "" } ?? "")")
            print("  fingerprint  \(details.image.fingerprint.map(Hex.encode) ?? "-")")
            print("  seen         \(details.firstSeen) … \(details.lastSeen)")
            for (modelID, top, features) in results {
                print("  model \(modelID)\(features.map { ", \(layer(modelID)) \($0.count) floats" } ?? "")")
                for (label, index, probability) in top {
                    print(String(format: "    %.4f  %3d  %@  %@", probability, index, label?.wnid ?? "", label?.label ?? ""))
                }
            }
        }

    }
}
