//go:build linux && cgo

package keygrab

/*
#cgo pkg-config: gtk+-3.0
#include <gtk/gtk.h>

// qh_grab_req is one request handed to the GTK main loop. The caller waits
// for it at most a second; a request answered after that frees itself.
typedef struct {
	int on, done, ok, abandoned;
	GMutex m;
	GCond c;
} qh_grab_req;

static void qh_grab_free(qh_grab_req *r) {
	g_mutex_clear(&r->m);
	g_cond_clear(&r->c);
	g_free(r);
}

static void qh_grab_finish(qh_grab_req *r, int ok) {
	g_mutex_lock(&r->m);
	int abandoned = r->abandoned;
	r->ok = ok;
	r->done = 1;
	g_cond_signal(&r->c);
	g_mutex_unlock(&r->m);
	if (abandoned) qh_grab_free(r);
}

// qh_grab_window is the window to grab for: the active toplevel (the one
// whose page asked), else the first visible one.
static GdkWindow *qh_grab_window(void) {
	GdkWindow *active = NULL, *visible = NULL;
	GList *tops = gtk_window_list_toplevels();
	for (GList *l = tops; l != NULL; l = l->next) {
		GtkWidget *w = GTK_WIDGET(l->data);
		if (!gtk_widget_get_visible(w) || gtk_widget_get_window(w) == NULL) continue;
		if (active == NULL && gtk_window_is_active(GTK_WINDOW(w))) active = gtk_widget_get_window(w);
		if (visible == NULL) visible = gtk_widget_get_window(w);
	}
	g_list_free(tops);
	return active != NULL ? active : visible;
}

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
		// A round trip, not only a flush: when GrabKeyboard(false)
		// returns, the X server has released the keyboard, so the helper's
		// own desktop gets its shortcuts back at once.
		gdk_display_sync(display);
		qh_grab_finish(r, 0);
		return G_SOURCE_REMOVE;
	}
	GdkWindow *target = qh_grab_window();
	int ok = target != NULL &&
		gdk_seat_grab(seat, target, GDK_SEAT_CAPABILITY_KEYBOARD, FALSE, NULL, NULL, NULL, NULL) == GDK_GRAB_SUCCESS;
	gdk_display_flush(display);
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
	if (done) qh_grab_free(r);
	return ok;
}
*/
import "C"

// GDK grabs the keyboard for the app's window through GDK. Its methods may
// be called from any goroutine: the grab itself runs on the GTK main loop,
// and a call waits at most a second for it.
type GDK struct{}

// GrabKeyboard grabs (on) or lets go of (off) the keyboard and reports
// whether it is held.
func (GDK) GrabKeyboard(on bool) bool {
	v := C.int(0)
	if on {
		v = 1
	}
	return C.qh_keyboard_grab(v) != 0
}
