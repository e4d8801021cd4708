package e2e

import (
	"os"
	"strings"
	"sync"
)

// axeSource is axe-core 4.14.1, vendored for these tests only: axe.min.js of
// the npm package axe-core@4.14.1 (npm pack axe-core@4.14.1), licensed under
// the MPL 2.0 (see the file's header).
// sha256 29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
const axeSource = "testdata/axe-4.14.1.min.js"

var axeScript = sync.OnceValues(func() (string, error) {
	data, err := os.ReadFile(axeSource)
	return string(data), err
})

// axeViolation is one rule axe found broken, with the first elements that
// break it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checkAccessibility runs axe on the page and fails the test on every
// violation with a serious or critical impact. The page's
// Content-Security-Policy forbids injected scripts, so axe is evaluated
// through the DevTools protocol, which the policy does not govern.
func (b *browser) checkAccessibility() {
	b.t.Helper()
	var present bool
	b.eval(`typeof window.axe === "object"`, &present)
	if !present {
		src, err := axeScript()
		if err != nil {
			b.t.Fatal(err)
		}
		b.eval(src+"\n;true", nil)
	}
	var violations []axeViolation
	b.eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help,
			targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))`, &violations)
	for _, v := range violations {
		b.t.Errorf("axe on %s: %s (%s): %s; for example %s", b.path(), v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
	}
}
