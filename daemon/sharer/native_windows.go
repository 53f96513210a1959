package sharer

import "github.com/quickhelp/quickhelp/daemon/input"

func newNativeInjector(string) (input.Injector, error) {
	return input.NewWindows(input.WindowsConfig{})
}
