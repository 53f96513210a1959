//go:build windows

package capture

// New returns the Windows Source: Desktop Duplication (DXGI) where it
// works, GDI grabs (BitBlt, the polling Source) where it does not (a
// remote session, a basic display driver, wine) and while it cannot be
// made (the secure desktop); the cursor from duplication's frame info, or
// from GetCursorInfo/GetIconInfo with GDI. Which one is used is logged.
func New(cfg Config) (Source, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	gdi, err := NewPolling(cfg)
	if err != nil {
		return nil, err
	}
	return newDupSource(cfg, gdi, openDXGI, &gdiPointer{}), nil
}
