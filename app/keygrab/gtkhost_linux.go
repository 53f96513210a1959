//go:build linux && cgo

package keygrab

/*
#cgo pkg-config: gtk+-3.0
#include <stdlib.h>
#include <gtk/gtk.h>

static int qh_host_open(const char *display) {
	gdk_set_allowed_backends("x11");
	g_setenv("DISPLAY", display, TRUE);
	if (!gtk_init_check(NULL, NULL)) return 0;
	GtkWidget *w = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_default_size(GTK_WINDOW(w), 320, 240);
	gtk_widget_show_all(w);
	return 1;
}

static void qh_host_iterate(void) {
	while (g_main_context_iteration(NULL, FALSE)) {}
}
*/
import "C"

import "unsafe"

// The host functions stand in for the desktop app's window in the tests:
// one GTK toplevel on a given X display and its main loop, which the
// caller must run on one locked OS thread, as Wails runs GTK's.

// hostOpen starts GTK on display and shows a window.
func hostOpen(display string) bool {
	cs := C.CString(display)
	defer C.free(unsafe.Pointer(cs))
	return C.qh_host_open(cs) != 0
}

// hostIterate runs the GTK main loop's pending work.
func hostIterate() { C.qh_host_iterate() }
