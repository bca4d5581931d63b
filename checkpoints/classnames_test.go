package checkpoints

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassNames(t *testing.T) {
	var m Meta
	require.NoError(t, m.SetClassNames(nil))
	assert.Empty(t, m.Extra, "nil names record nothing")
	names, err := m.ClassNames(10)
	require.NoError(t, err)
	assert.Nil(t, names)

	require.NoError(t, m.SetClassNames([]string{"cat", "dog, \"big\""}))
	names, err = m.ClassNames(2)
	require.NoError(t, err)
	assert.Equal(t, []string{"cat", "dog, \"big\""}, names)

	_, err = m.ClassNames(3)
	require.ErrorContains(t, err, "names 2 classes, the model has 3")
	m.Extra[ClassNamesKey] = "[cat"
	_, err = m.ClassNames(1)
	require.ErrorContains(t, err, ClassNamesKey)
}
