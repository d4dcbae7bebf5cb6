// TLSDiagKit: being written.
