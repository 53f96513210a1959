//go:build windows || darwin

package capture

// quietX11 does nothing: kbinani/screenshot uses GDI or Core Graphics
// here, so the X11 code stays out of the binary.
func quietX11() {}
