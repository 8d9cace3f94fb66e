//! Generates include/llmtel.h from the exports (written only when it changes; `make test`
//! fails when the checked-in header differs from what this produces).

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml"))
        .expect("bindings-c/cbindgen.toml is valid");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("the C header generates")
        .write_to_file(format!("{crate_dir}/../include/llmtel.h"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    // A SONAME, so a program linked against libllmtel.so loads the ABI it was built with:
    // libllmtel.so.{major}, or libllmtel.so.0.{minor} while the major is 0 (every 0.x minor may
    // break the ABI). `make install` names the file and its links after it.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
        let minor = std::env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets the version");
        let soname = if major == "0" {
            format!("libllmtel.so.0.{minor}")
        } else {
            format!("libllmtel.so.{major}")
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
}
