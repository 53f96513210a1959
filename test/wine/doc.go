// Package wine holds tests that run QuickHelp's real Windows programs under
// wine64 on Linux. scripts/wine-test.sh sets them up (a throw-away wine
// prefix with a test-only ProcessPrng shim, an Xvfb display, the cross-built
// quickhelp-sharer.exe) and runs them; without that set-up they skip, saying
// so. The C source of the shim DLL lives here too.
package wine
