// The vocabulary every test speaks (paths, preprocessing, resize policies, architectures)
// comes with the test support, so a test of one library need not import VGGCommon too.
@_exported import VGGCommon

import VGGStore

/// `SQLiteIndex` under the name it had before the index's stores were split by database,
/// which the command-line tests written before the split still use.
public typealias IndexDatabase = SQLiteIndex
