// The vocabulary every test speaks (paths, preprocessing, resize policies, architectures)
// comes with the test support, so a test of one library need not import VGGCommon too.
@_exported import VGGCommon
