package doclinks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	linkRE    = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	fenceRE   = regexp.MustCompile("(?s)```.*?```")
	headingRE = regexp.MustCompile(`^#+\s+(.*)$`)
	schemeRE  = regexp.MustCompile(`^[a-z]+:`)
	// slugDropRE is what GitHub drops from a heading to make its anchor.
	slugDropRE = regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
)

// slug returns GitHub's anchor of a heading.
func slug(h string) string {
	return strings.ReplaceAll(slugDropRE.ReplaceAllString(strings.ToLower(strings.TrimSpace(h)), ""), " ", "-")
}

// anchors returns the anchors of the headings of a Markdown text, outside
// code blocks.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if m := headingRE.FindStringSubmatch(line); m != nil && !inFence {
			out[slug(m[1])] = true
		}
	}
	return out
}

// markdownFiles returns README.md and every .md file under docs/.
func markdownFiles(t *testing.T, root string) []string {
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	require.NoError(t, err)
	return files
}

// brokenLinks returns a line for each relative link of the Markdown file
// at path whose target or heading is missing.
func brokenLinks(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var broken []string
	for _, m := range linkRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(string(b), ""), -1) {
		link := m[1]
		if schemeRE.MatchString(link) {
			continue
		}
		file, frag, _ := strings.Cut(link, "#")
		target := path
		if file != "" {
			target = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
		}
		tb, err := os.ReadFile(target)
		switch {
		case err != nil:
			broken = append(broken, link+": no such file")
		case frag != "" && strings.HasSuffix(target, ".md") && !anchors(string(tb))[frag]:
			broken = append(broken, link+": no such heading")
		}
	}
	return broken
}

func TestLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	files := markdownFiles(t, root)
	require.Greater(t, len(files), 1, "README.md and docs/")
	for _, f := range files {
		require.Empty(t, brokenLinks(t, f), "broken links in %s", f)
	}
}

// TestBrokenLinksFound checks that the test can fail: a missing file, a
// missing heading and a link inside a code block (ignored).
func TestBrokenLinksFound(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.md"), []byte("# Other\n\n## Measuring a model: `cmd/eval`\n"), 0o644))
	page := "# Page\n[ok](other.md#measuring-a-model-cmdeval) [self](#page) [web](https://example.com/x)\n" +
		"[gone](missing.md) ![img](pic.png) [bad](other.md#nowhere)\n```\n[in code](nowhere.md)\n```\n"
	path := filepath.Join(dir, "page.md")
	require.NoError(t, os.WriteFile(path, []byte(page), 0o644))
	require.Equal(t, []string{
		"missing.md: no such file",
		"pic.png: no such file",
		"other.md#nowhere: no such heading",
	}, brokenLinks(t, path))
}

func TestSlug(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"The zoo at a glance", "the-zoo-at-a-glance"},
		{"Measuring speed: `cmd/bench`", "measuring-speed-cmdbench"},
		{"The VAE's test loss and IWAE bound", "the-vaes-test-loss-and-iwae-bound"},
		{"Convolutional GANs: DCGAN and SAGAN", "convolutional-gans-dcgan-and-sagan"},
	} {
		require.Equal(t, c.want, slug(c.heading), c.heading)
	}
}
