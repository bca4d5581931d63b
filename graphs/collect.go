package graphs

import "reflect"

// paramLister is a layer or a network that lists its own parameters.
type paramLister interface{ Params() Params }

var paramType = reflect.TypeFor[*Param]()

// CollectParams returns the parameters of a network, found by walking its
// exported fields in the order they are declared: a *Param field is one
// parameter; a field whose value has a Params method (a layer such as
// [Linear] or [Conv2d], or another network) gives that method's list; a
// struct, pointer, interface, slice or array is walked into; nil values
// and every other field are skipped. net's own Params method is not
// called, so a network can implement it as CollectParams(net).
//
// A network whose fields are declared in the order its layers' parameters
// are to be listed then has a parameter list that cannot fall out of step
// with the layers it holds: a layer added, removed or made optional (nil)
// is added to, removed from or left out of the list by itself.
func CollectParams(net any) Params {
	var ps Params
	v := reflect.ValueOf(net)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	collectFields(v, &ps)
	return ps
}

func collectFields(v reflect.Value, ps *Params) {
	t := v.Type()
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			collect(v.Field(i), ps)
		}
	}
}

func collect(v reflect.Value, ps *Params) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
		if v.IsNil() {
			return
		}
	}
	if v.Type() == paramType {
		*ps = append(*ps, v.Interface().(*Param))
		return
	}
	if l, ok := v.Interface().(paramLister); ok {
		*ps = append(*ps, l.Params()...)
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		collect(v.Elem(), ps)
	case reflect.Struct:
		collectFields(v, ps)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collect(v.Index(i), ps)
		}
	}
}
