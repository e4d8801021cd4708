package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/praxis-coop/praxis/internal/account"
)

// public marks a route anyone may use.
const public account.Action = ""

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
)

// route registers a handler behind the permission it needs.
func (s *Server) route(method, path string, action account.Action, h echo.HandlerFunc, opts ...routeOption) {
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
	// 401 (or the sign-in page), never "from another site", "form expired"
	// or "too large".
	e.Use(s.authenticate)
	e.Use(s.authorize)
	e.Use(s.refuseCrossOrigin)
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
	s.route(get, "/changes", public, s.showChanges)
	s.route(get, "/releases", public, s.showReleases)
	s.route(get, "/releases/new", account.CutRelease, s.newReleaseForm)
	s.route(post, "/releases", account.CutRelease, s.createRelease)
	s.route(get, "/search", public, s.showSearch)
	s.route(get, "/series", public, s.listSeries)
	s.route(get, "/series/:slug", public, s.showSeries)

	// Adapting modules and proposing changes.
	s.route(post, "/modules/:slug/fork", account.ForkModule, s.forkModule)
	s.route(get, "/modules/:slug/suggest", account.ProposeChange, s.suggestForm)
	s.route(post, "/modules/:slug/suggest", account.ProposeChange, s.suggest, upload)
	s.route(get, "/modules/:slug/move", account.ProposeChange, s.moveForm)
	s.route(post, "/modules/:slug/move", account.ProposeChange, s.proposeMove)
	s.route(post, "/preview", account.ProposeChange, s.preview, upload)
	s.route(get, "/forks/:id", public, s.showFork, expensive)
	s.route(get, "/forks/:id/edit", account.ForkModule, s.forkEditor)
	s.route(post, "/forks/:id/edit", account.ForkModule, s.saveFork, upload)
	s.route(post, "/forks/:id/files", account.ForkModule, s.addForkFile, upload)
	s.route(post, "/forks/:id/files/delete", account.ForkModule, s.deleteForkFile)
	s.route(post, "/forks/:id/update", account.ForkModule, s.updateFork, expensive)
	s.route(post, "/forks/:id/resolve", account.ForkModule, s.resolveFork)
	s.route(get, "/forks/:id/propose", account.ProposeChange, s.proposeFromForkForm)
	s.route(post, "/forks/:id/propose", account.ProposeChange, s.proposeFromFork)
	s.route(get, "/proposals", public, s.listProposals)
	s.route(get, "/proposals/:id", public, s.showProposal, expensive)
	s.route(get, "/proposals/:id/edit", account.ProposeChange, s.proposalEditor)
	s.route(post, "/proposals/:id/edit", account.ProposeChange, s.saveProposal, upload)
	s.route(post, "/proposals/:id/text", account.ProposeChange, s.editProposalText)
	s.route(post, "/proposals/:id/files", account.ProposeChange, s.addProposalFile, upload)
	s.route(post, "/proposals/:id/files/delete", account.ProposeChange, s.deleteProposalFile)
	s.route(post, "/proposals/:id/update", account.ProposeChange, s.updateProposal, expensive)
	s.route(post, "/proposals/:id/resolve", account.ProposeChange, s.resolveProposal)
	s.route(post, "/proposals/:id/comments", account.CommentProposal, s.commentProposal)
	s.route(post, "/proposals/:id/reviews", account.ReviewProposal, s.reviewProposal)
	s.route(post, "/proposals/:id/merge", account.MergeProposal, s.mergeProposal, expensive)
	s.route(post, "/proposals/:id/close", account.ProposeChange, s.closeProposal)
	s.route(post, "/proposals/:id/reopen", account.ProposeChange, s.reopenProposal)

	// Deliveries, participants' feedback and the network's statistics.
	s.route(get, "/deliveries", account.LogDelivery, s.listDeliveries)
	s.route(get, "/deliveries/new", account.LogDelivery, s.newDelivery)
	s.route(get, "/deliveries/people", account.LogDelivery, s.suggestPeople)
	s.route(post, "/deliveries", account.LogDelivery, s.createDelivery)
	s.route(get, "/deliveries/:id", account.LogDelivery, s.showDelivery)
	s.route(post, "/deliveries/:id", account.LogDelivery, s.updateDelivery)
	s.route(get, "/deliveries/:id/edit", account.LogDelivery, s.editDelivery)
	s.route(post, "/deliveries/:id/delete", account.LogDelivery, s.deleteDelivery)
	s.route(get, "/deliveries/:id/qr.png", account.LogDelivery, s.deliveryQR)
	s.route(get, "/f/:token", public, s.feedbackForm)
	s.route(post, "/f/:token", public, s.giveFeedback)
	s.route(get, "/stats", account.ViewStats, s.showStats)

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
	s.route(get, "/account", account.UseAccount, s.profileForm)
	s.route(post, "/account", account.UseAccount, s.saveProfile)
	s.route(get, "/account/password", account.UseAccount, s.passwordForm)
	s.route(post, "/account/password", account.UseAccount, s.changePassword)
	s.route(get, "/account/tokens", account.UseAccount, s.tokensPage)
	s.route(post, "/account/tokens", account.UseAccount, s.createToken)
	s.route(post, "/account/tokens/:id/revoke", account.UseAccount, s.revokeToken)
	s.route(get, "/account/sessions", account.UseAccount, s.sessionsPage)
	s.route(post, "/account/sessions/:id/revoke", account.UseAccount, s.revokeSession)
	s.route(post, "/account/sessions/revoke-others", account.UseAccount, s.revokeOtherSessions)
	s.route(get, "/account/data", account.UseAccount, s.dataPage)
	s.route(get, "/account/export.json", account.UseAccount, s.exportData, longResponse)
	s.route(post, "/account/delete", account.UseAccount, s.deleteAccount)

	// The network.
	s.route(get, "/people/:id", public, s.showPerson)
	s.route(get, "/facilitators", account.ViewDirectory, s.directory)

	// Coordinators and admins.
	s.route(get, "/admin/users", account.ManageUsers, s.adminUsers)
	s.route(get, "/admin/users/:id", account.ManageUsers, s.adminUser)
	s.route(post, "/admin/users/:id/status", account.ManageUsers, s.adminSetStatus)
	s.route(post, "/admin/users/:id/reset", account.ManageUsers, s.adminIssueReset)
	s.route(post, "/admin/users/:id/roles", account.ChangeRoles, s.adminSetRoles)
	s.route(post, "/admin/users/:id/trainings", account.AwardTraining, s.adminAwardTraining)
	s.route(post, "/admin/users/:id/trainings/withdraw", account.AwardTraining, s.adminWithdrawTraining)
	s.route(get, "/admin/invitations", account.InviteUsers, s.adminInvitations)
	s.route(post, "/admin/invitations", account.InviteUsers, s.adminCreateInvitation)
	s.route(get, "/admin/audit", account.ViewAudit, s.adminAudit)
	s.route(get, "/admin/settings", account.EditSettings, s.adminSettings)
	s.route(post, "/admin/settings", account.EditSettings, s.adminSaveSettings)

	// Assets.
	e.GET("/static/:hash/*", s.serveAsset)
	e.GET("/favicon.ico", s.serveFavicon)

	// Health and the JSON API.
	s.route(get, "/healthz", public, s.healthz)
	s.route(get, "/metrics", account.ViewMetrics, s.showMetrics, loopbackToo)
	s.route(get, "/api/v1/modules", public, s.apiListModules)
	s.route(get, "/api/v1/modules/:slug", public, s.apiShowModule)
	s.route(get, "/api/v1/modules/:slug/history", public, s.apiHistory)
	s.route(get, "/api/v1/modules/:slug/compare", public, s.apiCompare, expensive)
	s.route(get, "/api/v1/releases", public, s.apiReleases)
	s.route(post, "/api/v1/releases", account.CutRelease, s.apiCreateRelease)
	s.route(get, "/api/v1/search", public, s.apiSearch)
	s.route(get, "/api/v1/series", public, s.apiListSeries)
	s.route(get, "/api/v1/series/:slug", public, s.apiShowSeries)
	s.route(get, "/api/v1/me", account.UseAccount, s.apiMe)
	s.route(get, "/api/v1/users", account.ManageUsers, s.apiListUsers)
	s.route(get, "/api/v1/users/:id", account.ManageUsers, s.apiShowUser)
	s.route(http.MethodPatch, "/api/v1/users/:id", account.ManageUsers, s.apiUpdateUser)
	s.route(post, "/api/v1/modules/:slug/forks", account.ForkModule, s.apiCreateFork)
	s.route(get, "/api/v1/forks/:id", public, s.apiShowFork, expensive)
	s.route(http.MethodPut, "/api/v1/forks/:id/files/*", account.ForkModule, s.apiForkFile, upload)
	s.route(http.MethodDelete, "/api/v1/forks/:id/files/*", account.ForkModule, s.apiForkFile)
	s.route(post, "/api/v1/forks/:id/update", account.ForkModule, s.apiUpdateFork, expensive)
	s.route(post, "/api/v1/proposals", account.ProposeChange, s.apiCreateProposal, upload)
	s.route(get, "/api/v1/proposals", public, s.apiListProposals)
	s.route(get, "/api/v1/proposals/:id", public, s.apiShowProposal, expensive)
	s.route(http.MethodPut, "/api/v1/proposals/:id/files/*", account.ProposeChange, s.apiProposalFile, upload)
	s.route(http.MethodDelete, "/api/v1/proposals/:id/files/*", account.ProposeChange, s.apiProposalFile)
	s.route(post, "/api/v1/proposals/:id/update", account.ProposeChange, s.apiUpdateProposal, expensive)
	s.route(post, "/api/v1/proposals/:id/comments", account.CommentProposal, s.apiComment)
	s.route(post, "/api/v1/proposals/:id/reviews", account.ReviewProposal, s.apiReview)
	s.route(post, "/api/v1/proposals/:id/merge", account.MergeProposal, s.apiMerge, expensive)
	s.route(post, "/api/v1/proposals/:id/close", account.ProposeChange, s.apiClose)
	s.route(post, "/api/v1/proposals/:id/reopen", account.ProposeChange, s.apiReopen)
	s.route(post, "/api/v1/deliveries", account.LogDelivery, s.apiCreateDelivery)
	s.route(get, "/api/v1/deliveries", account.LogDelivery, s.apiListDeliveries)
	s.route(get, "/api/v1/deliveries.csv", account.LogDelivery, s.apiExportDeliveries, longResponse)
	s.route(get, "/api/v1/deliveries.json", account.LogDelivery, s.apiExportDeliveries, longResponse)
	s.route(get, "/api/v1/deliveries/:id", account.LogDelivery, s.apiShowDelivery)
	s.route(http.MethodPatch, "/api/v1/deliveries/:id", account.LogDelivery, s.apiUpdateDelivery)
	s.route(http.MethodDelete, "/api/v1/deliveries/:id", account.LogDelivery, s.apiDeleteDelivery)
	s.route(get, "/api/v1/deliveries/:id/feedback", account.LogDelivery, s.apiDeliveryFeedback)
	s.route(get, "/api/v1/modules/:slug/reflections", account.ReadReflections, s.apiReflections)
	s.route(get, "/api/v1/stats/deliveries", account.ViewStats, s.apiStats)
	s.route(get, "/api/v1/stats/deliveries.csv", account.ViewStats, s.apiStatsCSV, longResponse)
	s.route(get, "/api/v1/stats/downloads", account.ViewStats, s.apiDownloads)
	e.Any("/api/v1/*", s.apiNotFound)
}
