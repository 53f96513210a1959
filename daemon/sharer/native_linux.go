package sharer

import "github.com/quickhelp/quickhelp/daemon/input"

func newNativeInjector(display string) (input.Injector, error) {
	return input.NewX11(input.X11Config{Display: display})
}
