//! `make uniffi` runs this to generate the Kotlin, Swift and Ruby bindings.

fn main() {
    uniffi::uniffi_bindgen_main()
}
