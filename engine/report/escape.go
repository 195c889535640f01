package report

import (
	"reflect"

	"github.com/scenrun/scenrun/engine/analysis"
)

// escaped is a copy of res with every string escaped by
// analysis.EscapeControls, for the renderers that write for people: an
// expression's text quoted in a detail or a database's error text can hold
// control characters that a spec's names cannot. res is not changed.
func escaped(res *analysis.Results) *analysis.Results {
	if res == nil {
		return nil
	}
	out := escapeValue(reflect.ValueOf(*res)).Interface().(analysis.Results)
	return &out
}

// escapeValue copies v with its strings escaped.
func escapeValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(analysis.EscapeControls(v.String()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(escapeValue(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(escapeValue(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(escapeValue(it.Key()), escapeValue(it.Value()))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(escapeValue(v.Elem()))
		return out
	}
	return v
}
