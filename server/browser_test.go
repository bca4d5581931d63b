package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpinput "github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The browser tests drive a headless Chromium through the pages, on runs
// made by the training commands' dry runs. They are skipped when no
// Chromium is found (GORGOZOO_CHROMIUM names one elsewhere; with
// GORGOZOO_REQUIRE_BROWSER set, as in CI, they fail instead) and under
// -short. With GORGOZOO_SCREENSHOTS=DIR they also save the screenshots of
// the docs there.

// browserPath returns the Chromium to drive, or skips the test.
func browserPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	if p := os.Getenv("GORGOZOO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium found (install Debian's chromium, or set GORGOZOO_CHROMIUM)"
	if os.Getenv("GORGOZOO_REQUIRE_BROWSER") != "" {
		t.Fatal(msg + ", and GORGOZOO_REQUIRE_BROWSER asks for the browser tests")
	}
	t.Skip(msg + ": skipping the browser tests")
	return ""
}

var (
	dryRunsOnce sync.Once
	dryRunsDir  string // removed by TestMain
	dryRunsRoot string
	dryRunsErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dryRunsDir != "" {
		os.RemoveAll(dryRunsDir)
	}
	os.Exit(code)
}

// dryRuns returns a root folder holding the run folders of dry runs of
// train-gan (gan, with grids every 5 steps), of a conditional train-gan
// (cgan), of train-vae (vae) and of a small train-diffusion (diffusion),
// made once for all the browser tests.
func dryRuns(t *testing.T) string {
	t.Helper()
	dryRunsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gorgozoo-browser-")
		if err != nil {
			dryRunsErr = err
			return
		}
		dryRunsDir = dir
		bin := filepath.Join(dir, "bin")
		dryRunsRoot = filepath.Join(dir, "runs")
		steps := [][]string{
			{"go", "build", "-o", bin + string(filepath.Separator), "../cmd/train-gan", "../cmd/train-vae", "../cmd/train-diffusion"},
			{filepath.Join(bin, "train-gan"), "-dry-run", "-sample-every", "5", "-o", filepath.Join(dryRunsRoot, "gan")},
			{filepath.Join(bin, "train-gan"), "-dry-run", "-classes", "10", "-o", filepath.Join(dryRunsRoot, "cgan")},
			{filepath.Join(bin, "train-vae"), "-dry-run", "-o", filepath.Join(dryRunsRoot, "vae")},
			{filepath.Join(bin, "train-diffusion"), "-dry-run", "-batch", "8", "-unet-channels", "8,8", "-o", filepath.Join(dryRunsRoot, "diffusion")},
		}
		for _, s := range steps {
			out, err := exec.Command(s[0], s[1:]...).CombinedOutput()
			if err != nil {
				dryRunsErr = fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, out)
				return
			}
		}
	})
	require.NoError(t, dryRunsErr)
	return dryRunsRoot
}

// browser is a headless Chromium on a test server of root, recording the
// errors its console shows.
type browser struct {
	ctx    context.Context
	url    string
	mu     sync.Mutex
	errors []string
}

// newBrowser skips the test when no browser is found, before it makes
// the root folder.
func newBrowser(t *testing.T, root func(*testing.T) string) *browser {
	t.Helper()
	path := browserPath(t)
	s, logged := newServer(t, root(t), Config{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NotContains(t, logged.String(), "panic")
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1100, 800))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	b := &browser{ctx: ctx, url: ts.URL}
	require.NoError(t, chromedp.Do(ctx))
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTime()
		cancelCtx()
		cancelAlloc()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		require.Empty(t, b.errors, "the browser console shows no errors")
	})
	return b
}

// do runs the steps in the browser.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(b.ctx, steps...))
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err)
	return v
}

// pixels returns the pixels of the loaded image sel as a data URL.
func pixels(t *testing.T, b *browser, sel string) string {
	return eval[string](t, b, fmt.Sprintf(`(() => {
		const i = document.querySelector(%q), c = document.createElement("canvas");
		c.width = i.naturalWidth; c.height = i.naturalHeight;
		c.getContext("2d").drawImage(i, 0, 0);
		return c.toDataURL();
	})()`, sel))
}

// poll waits until the JavaScript expression is true.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))(ctx, t)
		return err
	})
}

// loaded waits until the image sel has loaded a picture whose address
// holds part.
func loaded(sel, part string) chromedp.Action[chromedp.Void] {
	return poll(fmt.Sprintf(`(() => { const i = document.querySelector(%q);
		return !!i && i.src.includes(%q) && i.complete && i.naturalWidth > 0; })()`, sel, part))
}

// input sets the value of the control sel and fires its event.
func input(sel, value, event string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q);
			e.value = %q; e.dispatchEvent(new Event(%q)); })()`, sel, value, event), chromedp.EvalIgnoreExceptions)(ctx, t)
		return err
	})
}

// screenshot saves the whole page as a PNG in GORGOZOO_SCREENSHOTS, when
// set.
func (b *browser) screenshot(t *testing.T, name string) {
	dir := os.Getenv("GORGOZOO_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf, 0o644))
}

func TestBrowserRunPages(t *testing.T) {
	b := newBrowser(t, dryRuns)
	b.do(t, chromedp.Navigate(b.url+"/"), chromedp.WaitVisible(chromedp.CSS("#runs")))
	text := eval[string](t, b, `document.getElementById("runs").innerText`)
	for _, run := range []string{"gan", "cgan", "vae", "train-gan", "train-vae"} {
		require.Contains(t, text, run)
	}
	b.screenshot(t, "serve-runs.png")

	b.do(t, chromedp.Navigate(b.url+"/run?run=gan"), poll(`document.querySelectorAll("#charts svg.chart .series").length > 0`))
	lines := eval[int](t, b, `document.querySelectorAll("#charts svg.chart .series").length`)
	require.GreaterOrEqual(t, lines, 4, "one curve per GAN metric")

	// The slider over the sample grids shows another grid.
	b.do(t, loaded("#picture-samples", "epoch-001"))
	last := pixels(t, b, "#picture-samples")
	b.do(t, input("#slider-samples", "0", "input"), loaded("#picture-samples", "step-00000005"))
	first := pixels(t, b, "#picture-samples")
	require.NotEqual(t, last, first)
	require.Equal(t, "step 5", eval[string](t, b, `document.getElementById("label-samples").textContent`))
	b.screenshot(t, "serve-run.png")

	b.do(t, chromedp.Navigate(b.url+"/compare?run=gan&run=cgan"), poll(`document.querySelectorAll("#charts svg.chart .series").length > 0`))
	lines = eval[int](t, b, `document.querySelectorAll("#charts svg.chart .series").length`)
	require.GreaterOrEqual(t, lines, 8, "each metric's chart has both runs")
}

func TestBrowserPlayground(t *testing.T) {
	b := newBrowser(t, dryRuns)
	// Re-roll draws other images.
	b.do(t, chromedp.Navigate(b.url+"/play?model=cgan"), loaded("#grid", "seed=1&"))
	before := pixels(t, b, "#grid")
	b.do(t, chromedp.Click(chromedp.CSS("#reroll")), poll(`!document.getElementById("grid").src.includes("seed=1&")`))
	src := eval[string](t, b, `document.getElementById("grid").src`)
	b.do(t, loaded("#grid", src[strings.Index(src, "seed="):]))
	require.NotEqual(t, before, pixels(t, b, "#grid"))

	// The class picker draws the same latent points as another digit.
	b.do(t, input("#class", "0", "change"), loaded("#grid", "class=0"))
	zero := pixels(t, b, "#grid")
	b.do(t, input("#class", "1", "change"), loaded("#grid", "class=1"))
	require.NotEqual(t, zero, pixels(t, b, "#grid"))
	b.do(t, loaded("#walk", "class=1"))
	b.screenshot(t, "serve-play.png")

	// Drawing on the VAE's canvas returns a reconstruction and its code.
	b.do(t, chromedp.Navigate(b.url+"/play?model=vae"), chromedp.WaitVisible(chromedp.CSS("#draw")),
		chromedp.ScrollIntoView(chromedp.CSS("#draw")))
	box := eval[[]float64](t, b, `(() => { const r = document.getElementById("draw").getBoundingClientRect(); return [r.left, r.top]; })()`)
	x, y := box[0]+140, box[1]+60
	held := func(p *cdpinput.DispatchMouseEventParams) { p.Buttons = 1 }
	strokes := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1), held)}
	for i := 1; i <= 10; i++ {
		strokes = append(strokes, chromedp.MouseEvent(chromedp.MouseMoved, x, y+float64(16*i), chromedp.ButtonLeft, held))
	}
	strokes = append(strokes, chromedp.MouseEvent(chromedp.MouseReleased, x, y+160, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	b.do(t, strokes...)
	b.do(t, poll(`["reconstructed", "error"].some(s => document.getElementById("draw-status").textContent.startsWith(s))`))
	require.Equal(t, "reconstructed", eval[string](t, b, `document.getElementById("draw-status").textContent`))
	require.Equal(t, 20, eval[int](t, b, `document.querySelectorAll("#code-bars rect").length`), "one bar per latent dimension of the VAE")
	require.True(t, eval[bool](t, b, `(() => { const d = document.getElementById("recon").getContext("2d").getImageData(0, 0, 280, 280).data;
		for (let i = 0; i < d.length; i += 4) if (d[i] > 0) return true; return false; })()`), "the reconstruction is drawn")
	b.screenshot(t, "serve-draw.png")
}

// TestBrowserDenoising: a diffusion model's playground shows the
// denoising steps of the seed's first image; re-roll and the steps change
// them.
func TestBrowserDenoising(t *testing.T) {
	b := newBrowser(t, dryRuns)
	b.do(t, chromedp.Navigate(b.url+"/play?model=diffusion"), loaded("#grid", "steps=20"), loaded("#denoise", "seed=1&"))
	require.Equal(t, 2+21*(28+2), eval[int](t, b, `document.getElementById("denoise").naturalWidth`), "the noise and 20 steps")
	before := pixels(t, b, "#denoise")
	b.do(t, chromedp.Click(chromedp.CSS("#reroll")), poll(`!document.getElementById("denoise").src.includes("seed=1&")`))
	src := eval[string](t, b, `document.getElementById("denoise").src`)
	b.do(t, loaded("#denoise", src[strings.Index(src, "seed="):]))
	require.NotEqual(t, before, pixels(t, b, "#denoise"))
	require.Contains(t, eval[string](t, b, `document.getElementById("grid").src`), src[strings.Index(src, "seed="):strings.Index(src, "&class")],
		"the grid and the strip share the seed")

	b.do(t, input("#steps", "5", "change"), loaded("#denoise", "steps=5"), loaded("#grid", "steps=5"))
	require.Equal(t, 2+6*(28+2), eval[int](t, b, `document.getElementById("denoise").naturalWidth`))
	b.screenshot(t, "serve-denoise.png")
}

// TestBrowserFollowsTraining: while a run holds its lock, its page draws
// the metrics lines and takes the grids that appear after it loaded.
func TestBrowserFollowsTraining(t *testing.T) {
	var run string
	b := newBrowser(t, func(t *testing.T) string {
		root := newFixture(t).root
		run = filepath.Join(root, "gan")
		require.NoError(t, os.WriteFile(filepath.Join(run, ".lock"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644))
		return root
	})
	points := `document.querySelector("#charts svg[aria-label=loss] polyline.series").getAttribute("points").split(" ").length`
	b.do(t, chromedp.Navigate(b.url+"/run?run=gan"), poll(`document.querySelectorAll("#charts svg.chart .series").length > 0`))
	require.Equal(t, 2, eval[int](t, b, points), "the line being written is not drawn")
	require.Equal(t, "2", eval[string](t, b, `document.getElementById("slider-samples").max`))

	f, err := os.OpenFile(filepath.Join(run, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`ep":30,"time":"2026-01-01T00:00:02Z"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(filepath.Join(run, "samples", "samples-epoch-003.png"), pngOf(t), 0o644))
	b.do(t, poll(points+` === 3`), poll(`document.getElementById("slider-samples").max === "3"`),
		loaded("#picture-samples", "epoch-003"))
	require.Equal(t, "epoch 3", eval[string](t, b, `document.getElementById("label-samples").textContent`))
}
