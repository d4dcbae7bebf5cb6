import TLSDiagCLI
import CMimalloc   // links mimalloc, the process's allocator (Package.swift)
TLSDiagCLI.main()
