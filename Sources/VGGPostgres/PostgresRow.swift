import CLibPQ
import Foundation
import VGGSQL

/// A row of a binary-format libpq result, read by column type. Lent for the time of one
/// call; the result it points into is cleared afterwards.
struct PostgresRow: SQLRow {
    let result: OpaquePointer?
    var row: Int32

    init(result: OpaquePointer?, row: Int32) {
        self.result = result
        self.row = row
    }

    // Type OIDs of the columns the index reads (pg_type.dat).
    private static let bool: Oid = 16, bytea: Oid = 17, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23, oid: Oid = 26
    private static let float4: Oid = 700, float8: Oid = 701
    private static let text: Oid = 25, varchar: Oid = 1043, bpchar: Oid = 1042, name: Oid = 19, unknown: Oid = 705, void: Oid = 2278

    func isNull(_ column: Int) -> Bool { PQgetisnull(result, row, Int32(column)) == 1 }

    func int64(_ column: Int) -> Int64 {
        withBlob(column) { bytes in
            switch PQftype(result, Int32(column)) {
            case Self.int8: return Self.bigEndian(bytes, as: Int64.self)
            case Self.int4: return Int64(Self.bigEndian(bytes, as: Int32.self))
            case Self.int2: return Int64(Self.bigEndian(bytes, as: Int16.self))
            case Self.oid: return Int64(Self.bigEndian(bytes, as: UInt32.self))
            case Self.bool: return bytes.first == 1 ? 1 : 0
            case Self.float8, Self.float4: return Int64(double(column))
            default: return 0
            }
        }
    }

    func double(_ column: Int) -> Double {
        withBlob(column) { bytes in
            switch PQftype(result, Int32(column)) {
            case Self.float8: return Double(bitPattern: Self.bigEndian(bytes, as: UInt64.self))
            case Self.float4: return Double(Float(bitPattern: Self.bigEndian(bytes, as: UInt32.self)))
            case Self.int8, Self.int4, Self.int2, Self.oid, Self.bool: return Double(int64(column))
            default: return 0
            }
        }
    }

    func blob(_ column: Int) -> [UInt8]? {
        isNull(column) ? nil : withBlob(column) { Array($0) }
    }

    func withBlob<R>(_ column: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let count = Int(PQgetlength(result, row, Int32(column)))
        guard let value = PQgetvalue(result, row, Int32(column)), count > 0 else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        // Safe: libpq keeps `count` bytes at `value` until the result is cleared, after this call.
        return body(UnsafeRawBufferPointer(start: value, count: count))
    }

    /// The column as the value the index expects of its type.
    func value(_ column: Int) -> SQLValue {
        if isNull(column) { return .null }
        switch PQftype(result, Int32(column)) {
        case Self.int8, Self.int4, Self.int2, Self.oid, Self.bool: return .integer(int64(column))
        case Self.float8, Self.float4: return .real(double(column))
        case Self.bytea: return .blob(blob(column) ?? [])
        case Self.void: return .null
        case Self.text, Self.varchar, Self.bpchar, Self.name, Self.unknown:
            return .text(withBlob(column) { String(decoding: $0, as: UTF8.self) })
        case let type:
            // numeric, timestamps and the rest have binary forms of their own: the SQL casts them.
            preconditionFailure("column \(column) has PostgreSQL type \(type); cast it to bigint, double precision or text")
        }
    }

    private static func bigEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, as type: T.Type) -> T {
        guard bytes.count == MemoryLayout<T>.size else { return 0 }
        return T(bigEndian: bytes.loadUnaligned(as: T.self))
    }
}
