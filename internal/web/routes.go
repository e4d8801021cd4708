package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/praxis-coop/praxis/internal/access"
)

// public marks a route anyone may use.
const public access.Action = ""

// routeOption changes how a route is served.
type routeOption int

const (
	// loopbackToo lets anyone on the loopback interface use the route as well
	// as those the policy allows.
	loopbackToo routeOption = iota + 1
	// upload lets requests carry a file (uploadLimit rather than bodyLimit).
	upload
	// expensive bounds the request's work by expensiveTimeout.
	expensive
	// longResponse gives a streamed or large response longResponseTimeout to
	// reach the client.
	longResponse
	// signedLink marks a route whose request carries its own credential, a
	// signed token in the path, and no cookie or form: the one-click
	// unsubscribe a mail program POSTs (RFC 8058). It is exempt from the
	// cross-site checks, which it could never pass, and can do nothing but
	// what its token names.
	signedLink
	// publicJSON lets a JSON request (or a DELETE) without a session (a
	// script, another site's form handler) write to a public API route
	// without a CSRF token: a browser cannot send either across sites
	// without asking first (CORS), and without a session there is nobody to
	// act for (see jsonWithoutSession).
	publicJSON
)

// route registers a handler behind the permission it needs.
func (s *Server) route(method, path string, action access.Action, h echo.HandlerFunc, opts ...routeOption) {
	r := Route{Method: method, Path: path, Action: action}
	for _, opt := range opts {
		switch opt {
		case loopbackToo:
			r.Loopback = true
		case upload:
			s.uploadRoutes[method+" "+path] = true
		case expensive:
			h = withDeadline(expensiveTimeout, h)
		case longResponse:
			h = withLongResponse(h)
		case publicJSON:
			s.publicJSONRoutes[method+" "+path] = true
		case signedLink:
			s.signedRoutes[method+" "+path] = true
		}
	}
	if method == http.MethodGet && (strings.HasPrefix(path, "/modules/:slug") || strings.HasPrefix(path, "/api/v1/modules/:slug")) {
		h = s.followRenames(h, strings.HasSuffix(path, "/history") || strings.Contains(path, "/compare"))
	}
	s.echo.Add(method, path, h)
	s.routeTable = append(s.routeTable, r)
	s.routeByKey[method+" "+path] = r
}

// routes lists every route, grouped by area, after the middleware every request
// passes through.
func (s *Server) routes() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(s.observe)
	e.Use(middleware.RequestID())
	e.Use(s.requestLogger())
	e.Use(middleware.Recover())
	e.Use(securityHeaders)
	// Who asks, and whether they may, come before anything else is judged:
	// a write without credentials to a route that needs an account answers
	// 401 (or the sign-in page), never "form expired" or "too large"; only
	// another site's form to a page is refused first, as from another site
	// (the cross-origin check leaves anonymous API requests to authorize).
	e.Use(s.authenticate)
	e.Use(s.refuseCrossOrigin)
	e.Use(s.authorize)
	e.Use(s.bodyLimits()...)
	// The CSRF check may read a form's body, so it comes after the limits.
	e.Use(s.checkCSRF)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			if strings.HasPrefix(c.Path(), "/static/") {
				return !compressible(c.Param("*"))
			}
			return alreadyCompressed(c.Path())
		},
	}))

	const get, post = http.MethodGet, http.MethodPost

	// The curriculum.
	s.route(get, "/", public, s.home)
	s.route(get, "/modules", public, s.listModules)
	s.route(get, "/modules/:slug", public, s.showModule)
	s.route(get, "/modules/:slug/handouts/*", public, s.showHandout)
	s.route(get, "/modules/:slug/print", public, s.showPrint)
	s.route(get, "/modules/:slug/plan.pdf", public, s.downloadModule, longResponse)
	s.route(get, "/modules/:slug/plan.md", public, s.downloadModule, longResponse)
	s.route(get, "/modules/:slug/plan.odt", public, s.downloadModule, longResponse)
	s.route(get, "/modules/:slug/plan.docx", public, s.downloadModule, longResponse)
	s.route(get, "/modules/:slug/bundle.zip", public, s.downloadModule, longResponse)
	s.route(get, "/series/:slug/bundle.zip", public, s.downloadSeries, longResponse)
	s.route(get, "/curriculum.zip", public, s.downloadCurriculum, longResponse)
	s.route(get, "/modules/:slug/history", public, s.showHistory)
	s.route(get, "/modules/:slug/compare/*", public, s.showCompare, expensive)
	s.route(get, "/modules/:slug/history.atom", public, s.moduleHistoryFeed)
	s.route(get, "/changes", public, s.showChanges)
	s.route(get, "/changes.atom", public, s.changesFeed)
	s.route(get, "/releases.atom", public, s.releasesFeed)
	s.route(get, "/releases", public, s.showReleases)
	s.route(get, "/releases/new", access.CutRelease, s.newReleaseForm)
	s.route(post, "/releases", access.CutRelease, s.createRelease)
	s.route(get, "/search", public, s.showSearch)
	s.route(get, "/series", public, s.listSeries)
	s.route(get, "/series/:slug", public, s.showSeries)

	// Adapting modules and proposing changes.
	s.route(post, "/modules/:slug/fork", access.ForkModule, s.forkModule)
	s.route(get, "/modules/:slug/suggest", access.ProposeChange, s.suggestForm)
	s.route(post, "/modules/:slug/suggest", access.ProposeChange, s.suggest, upload)
	s.route(get, "/modules/:slug/move", access.ProposeChange, s.moveForm)
	s.route(post, "/modules/:slug/move", access.ProposeChange, s.proposeMove)
	s.route(post, "/preview", access.ProposeChange, s.preview, upload)
	s.route(get, "/forks/:id", public, s.showFork, expensive)
	s.route(get, "/forks/:id/edit", access.ForkModule, s.forkEditor)
	s.route(post, "/forks/:id/edit", access.ForkModule, s.saveFork, upload)
	s.route(post, "/forks/:id/files", access.ForkModule, s.addForkFile, upload)
	s.route(post, "/forks/:id/files/delete", access.ForkModule, s.deleteForkFile)
	s.route(post, "/forks/:id/update", access.ForkModule, s.updateFork, expensive)
	s.route(post, "/forks/:id/resolve", access.ForkModule, s.resolveFork)
	s.route(get, "/forks/:id/propose", access.ProposeChange, s.proposeFromForkForm)
	s.route(post, "/forks/:id/propose", access.ProposeChange, s.proposeFromFork)
	s.route(get, "/proposals", public, s.listProposals)
	s.route(get, "/proposals/:id", public, s.showProposal, expensive)
	s.route(get, "/proposals/:id/edit", access.ProposeChange, s.proposalEditor)
	s.route(post, "/proposals/:id/edit", access.ProposeChange, s.saveProposal, upload)
	s.route(post, "/proposals/:id/text", access.ProposeChange, s.editProposalText)
	s.route(post, "/proposals/:id/files", access.ProposeChange, s.addProposalFile, upload)
	s.route(post, "/proposals/:id/files/delete", access.ProposeChange, s.deleteProposalFile)
	s.route(post, "/proposals/:id/update", access.ProposeChange, s.updateProposal, expensive)
	s.route(post, "/proposals/:id/resolve", access.ProposeChange, s.resolveProposal)
	s.route(post, "/proposals/:id/comments", access.CommentProposal, s.commentProposal)
	s.route(post, "/proposals/:id/reviews", access.ReviewProposal, s.reviewProposal)
	s.route(post, "/proposals/:id/merge", access.MergeProposal, s.mergeProposal, expensive)
	s.route(post, "/proposals/:id/close", access.ProposeChange, s.closeProposal)
	s.route(post, "/proposals/:id/reopen", access.ProposeChange, s.reopenProposal)

	// Deliveries, participants' feedback and the network's statistics.
	s.route(get, "/deliveries", access.LogDelivery, s.listDeliveries)
	s.route(get, "/deliveries/new", access.LogDelivery, s.newDelivery)
	s.route(get, "/deliveries/people", access.LogDelivery, s.suggestPeople)
	s.route(post, "/deliveries", access.LogDelivery, s.createDelivery)
	s.route(get, "/deliveries/:id", access.LogDelivery, s.showDelivery)
	s.route(post, "/deliveries/:id", access.LogDelivery, s.updateDelivery)
	s.route(get, "/deliveries/:id/edit", access.LogDelivery, s.editDelivery)
	s.route(post, "/deliveries/:id/delete", access.LogDelivery, s.deleteDelivery)
	s.route(get, "/deliveries/:id/qr.png", access.LogDelivery, s.deliveryQR)
	s.route(get, "/f/:token", public, s.feedbackForm)
	s.route(post, "/f/:token", public, s.giveFeedback)
	s.route(get, "/stats", access.ViewStats, s.showStats)
	s.route(get, "/stats/workshops", access.ViewStats, s.showWorkshopStats)

	// Workshops ahead: requests, scheduling, registration, check-in.
	s.route(get, "/workshops", public, s.listWorkshops)
	s.route(get, "/workshops.ics", public, s.publicCalendar)
	s.route(get, "/workshops/request", public, s.requestForm)
	s.route(post, "/workshops/request", public, s.createRequest)
	s.route(get, "/requests/status/:token", public, s.requestStatus)
	s.route(get, "/workshops/new", access.ManageWorkshops, s.newWorkshop)
	s.route(post, "/workshops/new", access.ManageWorkshops, s.refreshWorkshopForm)
	s.route(post, "/workshops", access.ManageWorkshops, s.createWorkshop)
	s.route(get, "/workshops/mine", access.Volunteer, s.myWorkshops)
	s.route(post, "/workshops/calendar/reset", access.Volunteer, s.resetCalendar)
	s.route(get, "/workshops/:id", public, s.showWorkshop)
	s.route(post, "/workshops/:id/register", public, s.registerForWorkshop)
	s.route(get, "/workshops/:id/edit", access.ManageWorkshops, s.editWorkshop)
	s.route(post, "/workshops/:id/edit", access.ManageWorkshops, s.refreshWorkshopForm)
	s.route(post, "/workshops/:id", access.ManageWorkshops, s.updateWorkshop)
	s.route(post, "/workshops/:id/cancel", access.ManageWorkshops, s.cancelWorkshop)
	s.route(get, "/workshops/:id/checkin", access.Volunteer, s.checkInPage)
	s.route(post, "/workshops/:id/checkin", access.Volunteer, s.checkIn)
	s.route(post, "/workshops/:id/walkin", access.Volunteer, s.walkIn)
	s.route(get, "/workshops/:id/delivery", access.Volunteer, s.workshopDeliveryForm)
	s.route(post, "/workshops/:id/delivery", access.Volunteer, s.recordWorkshopDelivery)
	s.route(get, "/r/:token", public, s.registrationPage)
	s.route(post, "/r/:token/cancel", public, s.cancelRegistration)
	s.route(get, "/calendar/:token", public, s.facilitatorCalendar)
	s.route(get, "/requests", access.ManageWorkshops, s.requestQueue)
	s.route(get, "/requests/:id", access.Volunteer, s.showRequest)
	s.route(post, "/requests/:id", access.ManageWorkshops, s.updateRequest)
	s.route(post, "/requests/:id/offers", access.Volunteer, s.offer)
	s.route(post, "/requests/:id/offers/withdraw", access.Volunteer, s.withdrawOffer)
	s.route(post, "/requests/:id/offers/confirm", access.ManageWorkshops, s.confirmOffer)
	s.route(get, "/opportunities", access.Volunteer, s.opportunities)

	// Joining and signing in.
	s.route(get, "/signup", public, s.signupForm)
	s.route(post, "/signup", public, s.signup)
	s.route(get, "/login", public, s.loginForm)
	s.route(post, "/login", public, s.login)
	s.route(post, "/logout", public, s.logout)
	s.route(get, "/forgot", public, s.forgotForm)
	s.route(post, "/forgot", public, s.forgot)
	s.route(get, "/reset/:secret", public, s.resetForm)
	s.route(post, "/reset/:secret", public, s.reset)
	s.route(get, "/conduct", public, s.conduct)

	// One's own account.
	s.route(get, "/account", access.UseAccount, s.profileForm)
	s.route(post, "/account", access.UseAccount, s.saveProfile)
	s.route(get, "/account/password", access.UseAccount, s.passwordForm)
	s.route(post, "/account/password", access.UseAccount, s.changePassword)
	s.route(get, "/account/tokens", access.UseAccount, s.tokensPage)
	s.route(post, "/account/tokens", access.UseAccount, s.createToken)
	s.route(post, "/account/tokens/:id/revoke", access.UseAccount, s.revokeToken)
	s.route(get, "/account/sessions", access.UseAccount, s.sessionsPage)
	s.route(post, "/account/sessions/:id/revoke", access.UseAccount, s.revokeSession)
	s.route(post, "/account/sessions/revoke-others", access.UseAccount, s.revokeOtherSessions)
	s.route(get, "/account/data", access.UseAccount, s.dataPage)
	s.route(get, "/account/export.json", access.UseAccount, s.exportData, longResponse)
	s.route(post, "/account/delete", access.UseAccount, s.deleteAccount)

	// Notifications, email and watching (issue 20).
	s.route(get, "/notifications", access.UseAccount, s.withNotify(s.showNotifications))
	s.route(post, "/notifications/read", access.UseAccount, s.withNotify(s.markNotificationsRead))
	s.route(get, "/notifications/:id", access.UseAccount, s.withNotify(s.openNotification))
	s.route(get, "/account/notifications", access.UseAccount, s.withNotify(s.notificationSettings))
	s.route(post, "/account/notifications", access.UseAccount, s.withNotify(s.saveNotificationSettings))
	s.route(post, "/account/notifications/feed", access.UseAccount, s.withNotify(s.newFeedToken))
	s.route(get, "/notifications/feed/:token", public, s.withNotify(s.notificationsFeed))
	s.route(post, "/watch", access.UseAccount, s.withNotify(s.setWatch))
	s.route(get, "/unsubscribe/:token", public, s.withNotify(s.unsubscribeForm))
	s.route(post, "/unsubscribe/:token", public, s.withNotify(s.unsubscribe), signedLink)

	// The network.
	s.route(get, "/people/:id", public, s.showPerson)
	s.route(get, "/facilitators", access.ViewDirectory, s.directory)

	// Coordinators and admins.
	s.route(get, "/admin/users", access.ManageUsers, s.adminUsers)
	s.route(get, "/admin/users/:id", access.ManageUsers, s.adminUser)
	s.route(post, "/admin/users/:id/status", access.ManageUsers, s.adminSetStatus)
	s.route(post, "/admin/users/:id/reset", access.ManageUsers, s.adminIssueReset)
	s.route(post, "/admin/users/:id/roles", access.ChangeRoles, s.adminSetRoles)
	s.route(post, "/admin/users/:id/trainings", access.AwardTraining, s.adminAwardTraining)
	s.route(post, "/admin/users/:id/trainings/withdraw", access.AwardTraining, s.adminWithdrawTraining)
	s.route(get, "/admin/invitations", access.InviteUsers, s.adminInvitations)
	s.route(post, "/admin/invitations", access.InviteUsers, s.adminCreateInvitation)
	s.route(get, "/admin/audit", access.ViewAudit, s.adminAudit)
	s.route(get, "/admin/settings", access.EditSettings, s.adminSettings)
	s.route(post, "/admin/settings", access.EditSettings, s.adminSaveSettings)
	s.route(get, "/admin/jobs", access.ManageJobs, s.withJobs(s.adminJobs))
	s.route(post, "/admin/jobs/:id/retry", access.ManageJobs, s.withJobs(s.adminRetryJob))
	s.route(get, "/admin/webhooks", access.ManageHooks, s.withHooks(s.adminWebhooks))
	s.route(post, "/admin/webhooks", access.ManageHooks, s.withHooks(s.adminCreateWebhook))
	s.route(get, "/admin/webhooks/:id", access.ManageHooks, s.withHooks(s.adminWebhook))
	s.route(post, "/admin/webhooks/:id/test", access.ManageHooks, s.withHooks(s.adminTestWebhook))
	s.route(get, "/admin/webhooks/:id/delete", access.ManageHooks, s.withHooks(s.adminDeleteWebhookForm))
	s.route(post, "/admin/webhooks/:id/delete", access.ManageHooks, s.withHooks(s.adminDeleteWebhook))

	// Assets.
	e.GET("/static/:hash/*", s.serveAsset)
	e.GET("/favicon.ico", s.serveFavicon)

	// Health and the JSON API.
	s.route(get, "/healthz", public, s.healthz)
	s.route(get, "/metrics", access.ViewMetrics, s.showMetrics, loopbackToo)
	s.route(get, "/api/v1/openapi.json", public, s.apiOpenAPI)
	s.route(get, "/api/v1/modules", public, s.apiListModules)
	s.route(get, "/api/v1/modules/:slug", public, s.apiShowModule)
	s.route(get, "/api/v1/modules/:slug/history", public, s.apiHistory)
	s.route(get, "/api/v1/modules/:slug/compare", public, s.apiCompare, expensive)
	s.route(get, "/api/v1/releases", public, s.apiReleases)
	s.route(post, "/api/v1/releases", access.CutRelease, s.apiCreateRelease)
	s.route(get, "/api/v1/search", public, s.apiSearch)
	s.route(get, "/api/v1/series", public, s.apiListSeries)
	s.route(get, "/api/v1/series/:slug", public, s.apiShowSeries)
	s.route(get, "/api/v1/me", access.UseAccount, s.apiMe)
	s.route(get, "/api/v1/notifications", access.UseAccount, s.withNotify(s.apiNotifications))
	s.route(post, "/api/v1/notifications/read", access.UseAccount, s.withNotify(s.apiMarkNotificationsRead))
	s.route(get, "/api/v1/me/notification-settings", access.UseAccount, s.withNotify(s.apiNotificationSettings))
	s.route(http.MethodPut, "/api/v1/me/notification-settings", access.UseAccount, s.withNotify(s.apiSaveNotificationSettings))
	s.route(get, "/api/v1/webhooks", access.ManageHooks, s.withHooks(s.apiListWebhooks))
	s.route(post, "/api/v1/webhooks", access.ManageHooks, s.withHooks(s.apiCreateWebhook))
	s.route(get, "/api/v1/webhooks/:id", access.ManageHooks, s.withHooks(s.apiShowWebhook))
	s.route(http.MethodDelete, "/api/v1/webhooks/:id", access.ManageHooks, s.withHooks(s.apiDeleteWebhook))
	s.route(post, "/api/v1/webhooks/:id/test", access.ManageHooks, s.withHooks(s.apiTestWebhook))
	s.route(get, "/api/v1/users", access.ManageUsers, s.apiListUsers)
	s.route(get, "/api/v1/users/:id", access.ManageUsers, s.apiShowUser)
	s.route(http.MethodPatch, "/api/v1/users/:id", access.ManageUsers, s.apiUpdateUser)
	s.route(post, "/api/v1/modules/:slug/forks", access.ForkModule, s.apiCreateFork)
	s.route(get, "/api/v1/forks/:id", public, s.apiShowFork, expensive)
	s.route(http.MethodPut, "/api/v1/forks/:id/files/*", access.ForkModule, s.apiForkFile, upload)
	s.route(http.MethodDelete, "/api/v1/forks/:id/files/*", access.ForkModule, s.apiForkFile)
	s.route(post, "/api/v1/forks/:id/update", access.ForkModule, s.apiUpdateFork, expensive)
	s.route(post, "/api/v1/proposals", access.ProposeChange, s.apiCreateProposal, upload)
	s.route(get, "/api/v1/proposals", public, s.apiListProposals)
	s.route(get, "/api/v1/proposals/:id", public, s.apiShowProposal, expensive)
	s.route(http.MethodPut, "/api/v1/proposals/:id/files/*", access.ProposeChange, s.apiProposalFile, upload)
	s.route(http.MethodDelete, "/api/v1/proposals/:id/files/*", access.ProposeChange, s.apiProposalFile)
	s.route(post, "/api/v1/proposals/:id/update", access.ProposeChange, s.apiUpdateProposal, expensive)
	s.route(post, "/api/v1/proposals/:id/comments", access.CommentProposal, s.apiComment)
	s.route(post, "/api/v1/proposals/:id/reviews", access.ReviewProposal, s.apiReview)
	s.route(post, "/api/v1/proposals/:id/merge", access.MergeProposal, s.apiMerge, expensive)
	s.route(post, "/api/v1/proposals/:id/close", access.ProposeChange, s.apiClose)
	s.route(post, "/api/v1/proposals/:id/reopen", access.ProposeChange, s.apiReopen)
	s.route(post, "/api/v1/deliveries", access.LogDelivery, s.apiCreateDelivery)
	s.route(get, "/api/v1/deliveries", access.LogDelivery, s.apiListDeliveries)
	s.route(get, "/api/v1/deliveries.csv", access.LogDelivery, s.apiExportDeliveries, longResponse)
	s.route(get, "/api/v1/deliveries.json", access.LogDelivery, s.apiExportDeliveries, longResponse)
	s.route(get, "/api/v1/deliveries/:id", access.LogDelivery, s.apiShowDelivery)
	s.route(http.MethodPatch, "/api/v1/deliveries/:id", access.LogDelivery, s.apiUpdateDelivery)
	s.route(http.MethodDelete, "/api/v1/deliveries/:id", access.LogDelivery, s.apiDeleteDelivery)
	s.route(get, "/api/v1/deliveries/:id/feedback", access.LogDelivery, s.apiDeliveryFeedback)
	s.route(get, "/api/v1/modules/:slug/reflections", access.ReadReflections, s.apiReflections)
	s.route(get, "/api/v1/stats/deliveries", access.ViewStats, s.apiStats)
	s.route(get, "/api/v1/stats/deliveries.csv", access.ViewStats, s.apiStatsCSV, longResponse)
	s.route(get, "/api/v1/stats/downloads", access.ViewStats, s.apiDownloads)
	s.route(post, "/api/v1/requests", public, s.apiCreateRequest, publicJSON)
	s.route(get, "/api/v1/requests", access.ManageWorkshops, s.apiListRequests)
	s.route(get, "/api/v1/requests/:id", access.Volunteer, s.apiShowRequest)
	s.route(get, "/api/v1/suggestions", access.ManageWorkshops, s.apiSuggestions)
	s.route(post, "/api/v1/workshops", access.ManageWorkshops, s.apiCreateWorkshop)
	s.route(get, "/api/v1/workshops", public, s.apiListWorkshops)
	s.route(get, "/api/v1/workshops/:id", public, s.apiShowWorkshop)
	s.route(post, "/api/v1/workshops/:id/cancel", access.ManageWorkshops, s.apiCancelWorkshop)
	s.route(post, "/api/v1/workshops/:id/registrations", public, s.apiRegister, publicJSON)
	s.route(get, "/api/v1/workshops/:id/registrations", access.Volunteer, s.apiRegistrations)
	s.route(post, "/api/v1/workshops/:id/attendance", access.Volunteer, s.apiAttendance)
	s.route(post, "/api/v1/workshops/:id/delivery", access.Volunteer, s.apiRecordDelivery)
	s.route(http.MethodDelete, "/api/v1/registrations/:token", public, s.apiCancelRegistration, publicJSON)
	s.route(get, "/api/v1/stats/workshops", access.ViewStats, s.apiWorkshopStats)
	e.Any("/api/v1/*", s.apiNotFound)
}
