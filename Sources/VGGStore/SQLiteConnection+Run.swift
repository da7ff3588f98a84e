import VGGIndexTypes
extension SQLiteConnection {
    /// Executes one statement with bound values, discarding any rows it returns.
    public func run(_ sql: String, _ values: [SQLiteValue]) throws(StoreError) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }
}
