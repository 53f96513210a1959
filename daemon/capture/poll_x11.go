//go:build !windows && !darwin

package capture

import "github.com/quickhelp/quickhelp/daemon/x11"

// quietX11 silences xgb before kbinani/screenshot connects with it.
func quietX11() { x11.Quiet() }
