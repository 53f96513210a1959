//go:build desktop || bindings

package main

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/quickhelp/quickhelp/app"
	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/internal/i18n"
	"github.com/quickhelp/quickhelp/wire"
)

// linuxOptions gives every QuickHelp window the WM_CLASS "quickhelp": the
// sharer daemon's annotation overlay finds the prompt window and the app by
// it and never draws over them (daemon/overlay/x11own_linux.go).
var linuxOptions = &linux.Options{ProgramName: "quickhelp"}

// Origins of the page inside the desktop webview: WebKitGTK and WKWebView
// use the wails scheme, WebView2 a localhost name.
var desktopOrigins = []string{"wails://wails", "http://wails.localhost", "https://wails.localhost"}

// runDesktop shows the console in a window. The page comes from the
// webview's own asset server and reaches the same loopback bridge as in web
// mode through the bound Desktop.BridgeURL method.
func runDesktop(cfg app.BackendConfig) error {
	cfg.AllowedOrigins = append(cfg.AllowedOrigins, desktopOrigins...)
	backend, err := app.StartBackend(cfg)
	if err != nil {
		return err
	}
	// SIGTERM (an update, sign-out) leaves the sharer's session for the
	// next daemon to resume; closing the window or Ctrl+C ends it.
	var fromOutside atomic.Bool
	defer func() {
		if fromOutside.Load() {
			_ = backend.Leave()
		} else {
			_ = backend.Close()
		}
	}()
	return wails.Run(&options.App{
		Title:       "QuickHelp",
		Linux:       linuxOptions,
		Width:       1280,
		Height:      800,
		MinWidth:    720,
		MinHeight:   520,
		AssetServer: assetServer(cfg.Assets),
		Bind:        []any{app.WithKeyboardGrab(app.NewDesktop(backend), nativeKeyboardGrab())},
		OnStartup:   quitOnSignal(&fromOutside),
	})
}

// quitOnSignal closes the window cleanly on SIGINT or SIGTERM (a session
// logout, a package upgrade, or a test), so the backend ends its session;
// SIGTERM sets fromOutside (the sharer's session is left resumable).
func quitOnSignal(fromOutside *atomic.Bool) func(context.Context) {
	return func(ctx context.Context) {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() {
			select {
			case s := <-sig:
				if s == syscall.SIGTERM {
					fromOutside.Store(true)
				}
				runtime.Quit(ctx)
			case <-ctx.Done():
			}
		}()
	}
}

// Size of the prompt window and its distance from the screen's corner
// (room for a bottom panel or taskbar). Tall enough for the sharing bar
// with its security code and chat: at 420 px the chat's input was cut off
// and the page scrolled.
const (
	promptWidth   = 440
	promptHeight  = 520
	promptMarginX = 16
	promptMarginY = 64
)

// runPrompt shows the sharer's consent prompts and sharing bar in a small
// frameless window that stays on top at the bottom-right corner, where a
// helper's windows cannot cover it. It closes itself a few seconds after
// the session is over.
func runPrompt(cfg app.BackendConfig) error {
	cfg.AllowedOrigins = append(cfg.AllowedOrigins, desktopOrigins...)
	var (
		wctx       atomic.Pointer[context.Context]
		seenActive atomic.Bool
		quitting   atomic.Bool
	)
	cfg.Sharer.OnState = func(st wire.BridgeSharer) {
		switch st.State {
		case wire.SharerJoining, wire.SharerAwaitingConsent, wire.SharerSharing, wire.SharerPaused:
			seenActive.Store(true)
		case wire.SharerEnded, wire.SharerIdle:
			if seenActive.Load() && !quitting.Swap(true) {
				time.AfterFunc(5*time.Second, func() {
					if c := wctx.Load(); c != nil {
						runtime.Quit(*c)
					}
				})
			}
		}
	}
	backend, err := app.StartBackend(cfg)
	if err != nil {
		return err
	}
	var fromOutside atomic.Bool // as in runDesktop
	defer func() {
		if fromOutside.Load() {
			_ = backend.Leave()
		} else {
			_ = backend.Close()
		}
	}()
	return wails.Run(&options.App{
		Title:       i18n.FromEnv(os.Getenv).T(i18n.AppPromptTitle),
		Linux:       linuxOptions,
		Width:       promptWidth,
		Height:      promptHeight,
		Frameless:   true,
		AlwaysOnTop: true,
		AssetServer: assetServer(cfg.Assets),
		OnStartup: func(ctx context.Context) {
			wctx.Store(&ctx)
			quitOnSignal(&fromOutside)(ctx)
		},
		OnDomReady: func(ctx context.Context) {
			screens, err := runtime.ScreenGetAll(ctx)
			if err != nil {
				return
			}
			for _, s := range screens {
				if s.IsPrimary || len(screens) == 1 {
					runtime.WindowSetPosition(ctx, s.Size.Width-promptWidth-promptMarginX, s.Size.Height-promptHeight-promptMarginY)
					return
				}
			}
		},
		Bind: []any{app.NewPromptDesktop(backend)},
	})
}

// assetServer serves the embedded page in the webview with the same strict
// Content-Security-Policy as the loopback bridge.
func assetServer(assets fs.FS) *assetserver.Options {
	return &assetserver.Options{
		Assets: assets,
		Middleware: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Security-Policy", bridge.CSP)
				w.Header().Set("X-Content-Type-Options", "nosniff")
				next.ServeHTTP(w, r)
			})
		},
	}
}
