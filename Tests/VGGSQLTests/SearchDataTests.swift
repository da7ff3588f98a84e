import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// The compact search data's upkeep, on every backend.
@Suite("Search data")
struct SearchDataTests {
    /// The rows still lacking codes or projections come by image id from where the last batch
    /// ended, so that walking them all reads each feature row once, not every filled row again
    /// for each batch.
    @Test(arguments: TestBackend.available)
    func rowsLackingSearchDataComeFromWhereTheLastBatchEnded(backend: TestBackend) throws {
        let sql = try SQLFixture(backend)
        let root = try sql.scope("/r").scope.root.id
        let run = try sql.index.runs.begin(options: "", modelID: sql.modelID)
        var ids = [Int64]()
        for number in 0..<7 { ids.append(try sql.store("\(number).jpg", root: root, run: run, result: SQLFixture.result([1, 2, 3, Float(number)]))) }
        ids.sort()
        let search = sql.index.search
        let firstThree = try search.featuresWithoutProjection(modelID: sql.modelID, after: Int64.min, limit: 3)
        #expect(firstThree.map(\.imageID) == Array(ids.prefix(3)))
        // Projections stored for the second image only: the walk from the first batch's end
        // skips it and goes on.
        try search.storeProjections([(ids[1], [1], 0)], modelID: sql.modelID)
        let next = try search.featuresWithoutProjection(modelID: sql.modelID, after: ids[2], limit: 3)
        #expect(next.map(\.imageID) == Array(ids[3..<6]) && next[0].vector == [1, 2, 3, 3])
        #expect(try search.featuresWithoutProjection(modelID: sql.modelID, after: ids[0], limit: 10).map(\.imageID) == [ids[2]] + Array(ids[3...]))
        #expect(try search.featuresWithoutCode(modelID: sql.modelID, after: ids[6], limit: 10).isEmpty)
        #expect(try search.featuresWithoutCode(modelID: sql.modelID, after: ids[4], limit: 10).map(\.imageID) == [ids[5], ids[6]])
    }
}
