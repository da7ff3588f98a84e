extension SafetensorsFile {
    /// What a header declares, once every entry has been checked.
    struct Header {
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensor] = [:]
    }

    /// Parses the header JSON and checks every entry against a data section of `dataSize`
    /// bytes starting at file offset `dataStart`.
    ///
    /// Tensors may overlap or leave gaps (the format does not forbid either), but none may
    /// reach past the data, and each one's byte length must match its shape and dtype.
    /// Fields other than `dtype`, `shape` and `data_offsets` are ignored, as the reference
    /// reader ignores them.
    static func parseHeader(_ json: [UInt8], dataStart: Int, dataSize: Int, path: String) throws(ModelError) -> Header {
        let root: StrictJSON.Value
        do {
            root = try StrictJSON.parse(json)
        } catch {
            throw .invalidFile(path: path, reason: "header is not valid JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw .invalidFile(path: path, reason: "header is not a JSON object")
        }
        var header = Header()
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else {
                let what = key == "__metadata__" ? "duplicate __metadata__ entry" : "duplicate tensor name \(key)"
                throw .invalidFile(path: path, reason: what)
            }
            if key == "__metadata__" {
                header.metadata = try parseMetadata(value, path: path)
            } else {
                header.tensors[key] = try parseTensor(
                    key, value, dataStart: dataStart, dataSize: dataSize, path: path)
            }
        }
        return header
    }

    private static func parseMetadata(_ value: StrictJSON.Value, path: String) throws(ModelError) -> [String: String] {
        guard case .object(let members) = value else {
            throw .invalidFile(path: path, reason: "__metadata__ is not an object")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in members {
            guard case .string(let text) = entry else {
                throw .invalidFile(path: path, reason: "metadata value for key \(key) is not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw .invalidFile(path: path, reason: "duplicate metadata key \(key)")
            }
        }
        return metadata
    }

    private static func parseTensor(
        _ name: String, _ value: StrictJSON.Value, dataStart: Int, dataSize: Int, path: String
    ) throws(ModelError) -> SafetensorsTensor {
        func invalid(_ reason: String) -> ModelError { .invalidFile(path: path, reason: "tensor \(name): \(reason)") }

        guard case .object(let members) = value else { throw invalid("entry is not an object") }
        var fields: [String: StrictJSON.Value] = [:]
        for (key, field) in members {
            guard fields.updateValue(field, forKey: key) == nil else { throw invalid("field \(key) appears twice") }
        }

        guard let dtypeValue = fields["dtype"] else { throw invalid("no dtype") }
        guard case .string(let dtype) = dtypeValue else { throw invalid("dtype is not a string") }
        guard let elementSize = SafetensorsTensor.elementSizes[dtype] else { throw invalid("unknown dtype \(dtype)") }

        guard let shapeValue = fields["shape"] else { throw invalid("no shape") }
        guard case .array(let shapeItems) = shapeValue else { throw invalid("shape is not an array") }
        var shape: [Int] = []
        shape.reserveCapacity(shapeItems.count)
        for item in shapeItems {
            guard let dimension = nonNegativeInteger(item) else {
                throw invalid("shape holds \(describe(item)), not a non-negative integer")
            }
            shape.append(dimension)
        }
        guard let byteLength = TensorSize.bytes(shape: shape, elementSize: elementSize) else {
            throw invalid("shape \(shape) of \(dtype) has more bytes than an Int can count")
        }

        guard let offsetsValue = fields["data_offsets"] else { throw invalid("no data_offsets") }
        guard case .array(let offsetItems) = offsetsValue, offsetItems.count == 2,
            let begin = nonNegativeInteger(offsetItems[0]), let end = nonNegativeInteger(offsetItems[1])
        else {
            throw invalid("data_offsets \(describe(offsetsValue)) is not two non-negative integers")
        }
        if begin > end { throw invalid("data_offsets [\(begin), \(end)] begin after they end") }
        if end > dataSize {
            throw invalid("data_offsets [\(begin), \(end)] end past the \(dataSize)-byte data section")
        }
        if end - begin != byteLength {
            throw invalid("data_offsets [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) of \(dtype) needs \(byteLength)")
        }
        // No overflow: end <= dataSize, and dataStart + dataSize is the file size.
        return SafetensorsTensor(
            name: name, dtype: dtype, shape: shape, byteOffset: dataStart + begin, byteCount: byteLength)
    }

    /// The value as an `Int` if it is a JSON integer in `0...Int.max` written without a
    /// fraction or exponent, as the reference reader requires.
    private static func nonNegativeInteger(_ value: StrictJSON.Value) -> Int? {
        guard case .number(let text) = value else { return nil }
        var result = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (scaled, overflowMultiply) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = scaled.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflowMultiply || overflowAdd { return nil }
            result = sum
        }
        return text.isEmpty ? nil : result
    }

    /// A short rendering of a JSON value for error messages.
    private static func describe(_ value: StrictJSON.Value) -> String {
        switch value {
        case .object: return "an object"
        case .array(let items):
            return items.count <= 4 ? "[" + items.map(describe).joined(separator: ", ") + "]" : "an array of \(items.count)"
        case .string(let text): return text.count <= 32 ? "\"\(text)\"" : "a string"
        case .number(let text): return text.count <= 32 ? text : "a long number"
        case .bool(let flag): return String(flag)
        case .null: return "null"
        }
    }
}
