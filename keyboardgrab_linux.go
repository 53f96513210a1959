//go:build (desktop || bindings) && linux && cgo

package main

/*
#cgo pkg-config: gtk+-3.0
#include <gtk/gtk.h>

// qh_grab_req is one grab request handed to the GTK main loop. The caller
// waits for it at most a second; a request answered after that frees itself.
typedef struct {
	int on, done, ok, abandoned;
	GMutex m;
	GCond c;
} qh_grab_req;

static void qh_grab_finish(qh_grab_req *r, int ok) {
	g_mutex_lock(&r->m);
	int abandoned = r->abandoned;
	r->ok = ok;
	r->done = 1;
	g_cond_signal(&r->c);
	g_mutex_unlock(&r->m);
	if (abandoned) {
		g_mutex_clear(&r->m);
		g_cond_clear(&r->c);
		g_free(r);
	}
}

// qh_grab runs on the GTK main loop: grab the keyboard for the active
// toplevel window (the one whose page asked), or let it go.
static gboolean qh_grab(gpointer data) {
	qh_grab_req *r = data;
	GdkDisplay *display = gdk_display_get_default();
	if (display == NULL) {
		qh_grab_finish(r, 0);
		return G_SOURCE_REMOVE;
	}
	GdkSeat *seat = gdk_display_get_default_seat(display);
	if (!r->on) {
		gdk_seat_ungrab(seat);
		qh_grab_finish(r, 0);
		return G_SOURCE_REMOVE;
	}
	GdkWindow *target = NULL;
	GList *tops = gtk_window_list_toplevels();
	for (GList *l = tops; l != NULL; l = l->next) {
		if (gtk_window_is_active(GTK_WINDOW(l->data))) {
			target = gtk_widget_get_window(GTK_WIDGET(l->data));
			break;
		}
	}
	g_list_free(tops);
	int ok = target != NULL &&
		gdk_seat_grab(seat, target, GDK_SEAT_CAPABILITY_KEYBOARD, FALSE, NULL, NULL, NULL, NULL) == GDK_GRAB_SUCCESS;
	qh_grab_finish(r, ok);
	return G_SOURCE_REMOVE;
}

static int qh_keyboard_grab(int on) {
	qh_grab_req *r = g_new0(qh_grab_req, 1);
	r->on = on;
	g_mutex_init(&r->m);
	g_cond_init(&r->c);
	g_main_context_invoke(NULL, qh_grab, r);
	gint64 end = g_get_monotonic_time() + G_TIME_SPAN_SECOND;
	g_mutex_lock(&r->m);
	while (!r->done) {
		if (!g_cond_wait_until(&r->c, &r->m, end)) break;
	}
	int done = r->done, ok = r->ok;
	if (!done) r->abandoned = 1;
	g_mutex_unlock(&r->m);
	if (done) {
		g_mutex_clear(&r->m);
		g_cond_clear(&r->c);
		g_free(r);
	}
	return ok;
}
*/
import "C"

import "github.com/quickhelp/quickhelp/app"

// gdkKeyboardGrab grabs the keyboard for the app's active window through
// GDK's seat (an X11 active keyboard grab under X), on the GTK main loop.
type gdkKeyboardGrab struct{}

func (gdkKeyboardGrab) GrabKeyboard(on bool) bool {
	v := C.int(0)
	if on {
		v = 1
	}
	return C.qh_keyboard_grab(v) != 0
}

func nativeKeyboardGrab() app.KeyboardGrabber { return gdkKeyboardGrab{} }
