package app

import (
	"github.com/quickhelp/quickhelp/app/bridge"
	"github.com/quickhelp/quickhelp/app/gethelp"
	"github.com/quickhelp/quickhelp/wire"
)

// router is the bridge's one handler: the sharer side's requests go to the
// SharerService, everything else to the helper's Controller, so one page
// offers both "Help someone" and "Get help".
type router struct {
	helper bridge.RequestHandler
	sharer *gethelp.SharerService
}

func (r router) HandleRequest(req wire.BridgeRequest) {
	if gethelp.IsSharerRequest(req.Type) {
		r.sharer.HandleRequest(req)
		return
	}
	r.helper.HandleRequest(req)
}

func (r router) PageConnected() {
	r.helper.PageConnected()
	r.sharer.PageConnected()
}

func (r router) FramesDropped() { r.helper.FramesDropped() }
