package trainer

// meter averages metrics over a window of steps, keeping their order.
type meter struct {
	names []string
	sums  []float64
	n     int
}

func (m *meter) add(ms []Metric) {
	if m.names == nil {
		for _, x := range ms {
			m.names = append(m.names, x.Name)
		}
		m.sums = make([]float64, len(ms))
	}
	for i, x := range ms {
		if i < len(m.sums) {
			m.sums[i] += x.Value
		}
	}
	m.n++
}

func (m *meter) mean() []Metric {
	out := make([]Metric, len(m.names))
	for i, name := range m.names {
		out[i] = Metric{Name: name, Value: m.sums[i] / float64(max(m.n, 1))}
	}
	return out
}
