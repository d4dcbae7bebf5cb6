import TLSDiagCLI
TLSDiagCLI.main()
