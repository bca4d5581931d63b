package graphs

import (
	"fmt"
	"reflect"
)

// Program returns the listing of m's tape machine, for the tests of
// package graphs_test that count its instructions.
func Program(m *Machine) string {
	return reflect.ValueOf(m.vm).MethodByName("Prog").Call(nil)[0].Interface().(fmt.Stringer).String()
}
