//! Checking modules against each other's interfaces (language.md §14).

use std::collections::HashMap;
use std::sync::Arc;

use super::{check_module_in, CheckOptions};
use crate::module::Interface;
use crate::span::SourceMap;

/// Checks `(name, text)` modules in order, each seeing the interfaces of the earlier ones;
/// returns every module's diagnostics as `NAME LINE:COL: MESSAGE` lines and the interfaces.
fn check_all(mods: &[(&str, &str)]) -> (String, HashMap<String, Arc<Interface>>) {
    let mods: Vec<(String, String)> = mods
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    crate::with_stack(64 << 20, move || {
        let mut sm = SourceMap::new();
        let mut ifaces = HashMap::new();
        let mut out = String::new();
        for (name, text) in &mods {
            let file = sm.add(name.clone(), text.clone());
            let (module, mut diags) = crate::parse_file(file, text);
            let res = check_module_in(
                &module,
                name,
                file,
                &ifaces,
                CheckOptions {
                    require_main: text.contains("(defn main"),
                },
            );
            diags.extend(res.diagnostics);
            for d in diags {
                let (l, c) = d
                    .primary_span()
                    .map(|s| sm.get(file).line_col(s.start))
                    .unwrap_or((0, 0));
                out.push_str(&format!("{name} {l}:{c}: {}\n", d.message));
            }
            if let Some(i) = res.interface {
                ifaces.insert(name.clone(), Arc::new(i));
            }
        }
        (out, ifaces)
    })
}

const GEOMETRY: &str = r#"
(pub defstruct Rect (w : i64) (h : i64))
(pub deftype Shape (Square i64) (Box Rect) Dot)
(deftype Hidden (H i64))
(defn helper ((x : i64)) : i64 (* x 2))
(pub defn area ((r : Rect)) : i64 (* (.w r) (.h r)))
(pub defn twice ((x : 'a)) : (Vector 'a) [x x])
(pub defn hidden () : Hidden (H (helper 1)))
(pub defglobal mut counter 0)
(defglobal secret "s")
"#;

#[test]
fn imports_by_name_alias_and_all() {
    let (diags, ifaces) = check_all(&[
        ("shapes.geometry", GEOMETRY),
        (
            "shapes.main",
            r#"
(import shapes.geometry (Rect area Shape twice))
(import shapes.geometry :as g)
(defn helper () : i64 1)
(defn main ()
  (let ((r (Rect 3 4))
        (s (Box r)))
    (println (area r))
    (println (g.area (g.Rect :w 1 :h 2)))
    (println (match s ((Box {:w w}) w) ((Square n) n) (Dot 0)))
    (println (twice "x"))
    (println (match (g.hidden) (_ (helper))))
    (println g.counter)))
"#,
        ),
    ]);
    assert_eq!(diags, "");
    let geo = &ifaces["shapes.geometry"];
    let mut names: Vec<&str> = geo.funcs.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["area", "hidden", "twice"]);
    assert_eq!(geo.globals.keys().collect::<Vec<_>>(), ["counter"]);
    assert!(geo.private_names.contains(&"helper".to_string()));
    assert!(geo.private_names.contains(&"Hidden".to_string()));
}

#[test]
fn import_errors_point_at_the_import() {
    let (diags, _) = check_all(&[
        ("lib.geo", GEOMETRY),
        (
            "lib.other",
            "(pub defn area ((x : i64)) : i64 x)\n(pub defn only () : i64 2)",
        ),
        (
            "app.main",
            r#"(import lib.geo (helper nothing area))
(import lib.other (area))
(import lib.geo :all)
(import lib.other :all)
(import lib.nope (x))
(defn Rect () 1) ; a local definition hides an `:all` import
(defn main ()
  (println (only))
  (println (twice 1))
  (set! counter 3)
  (println (q.area 1)))
"#,
        ),
    ]);
    let expected = "\
app.main 1:18: `helper` is private to module `lib.geo`
app.main 1:25: module `lib.geo` has no public item named `nothing`
app.main 2:20: `area` is imported from both `lib.geo` and `lib.other`
app.main 5:9: unknown module `lib.nope`
app.main 10:9: cannot assign to `counter`: it is defined in module `lib.geo`, and only its own module may `set!` it
app.main 11:13: unknown module alias `q`
";
    assert_eq!(diags, expected);
}

#[test]
fn interface_hash_ignores_bodies_and_positions() {
    let (d, a) = check_all(&[("m", GEOMETRY)]);
    assert_eq!(d, "");
    let moved = format!("\n\n;; moved\n{}", GEOMETRY.replace("(* x 2)", "(+ x x 0)"));
    let (_, b) = check_all(&[("m", moved.as_str())]);
    assert_eq!(a["m"].hash_bytes(), b["m"].hash_bytes());
    let changed = GEOMETRY.replace("counter 0)", "counter 0.5)");
    let (d, c) = check_all(&[("m", changed.as_str())]);
    assert_eq!(d, "");
    assert_ne!(a["m"].hash_bytes(), c["m"].hash_bytes());
}
