package graphs

import "sync"

// Pool keeps compiled graphs of type T for reuse, so that inference can
// run from several goroutines at once: each caller borrows a graph of its
// own with Get and returns it with Put, and no graph is run by two
// goroutines at once. A Pool makes a new graph with its build function
// when none is free. The zero value is not usable; call [NewPool].
type Pool[T any] struct {
	build func() (T, error)

	mu   sync.Mutex
	free []T
}

// NewPool returns an empty pool whose graphs build makes.
func NewPool[T any](build func() (T, error)) *Pool[T] { return &Pool[T]{build: build} }

// Get returns a free graph, or a new one.
func (p *Pool[T]) Get() (T, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		t := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return t, nil
	}
	p.mu.Unlock()
	return p.build()
}

// Put returns a graph that Get handed out.
func (p *Pool[T]) Put(t T) {
	p.mu.Lock()
	p.free = append(p.free, t)
	p.mu.Unlock()
}
