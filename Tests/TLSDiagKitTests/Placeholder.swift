// TLSDiagKitTests: being written.
