"""The options check's C column: every option of the core's table is accepted by
llmtel_options_set in the shared library, by the name the README gives it."""

import ctypes
import pathlib

import pytest

from llmtel import _native

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = ROOT / "target" / "c" / "dist" / "lib" / "libllmtel.so"


@pytest.mark.skipif(not LIB.exists(), reason="make c-lib builds target/c/dist/lib/libllmtel.so first")
def test_every_option_of_the_table_can_be_set_through_the_c_abi():
    lib = ctypes.CDLL(str(LIB))
    options = ctypes.c_void_p()
    assert lib.llmtel_options_new(ctypes.byref(options)) == 0
    refused = []
    try:
        for name, kind, example, public in _native.option_table():
            if kind == "callback":
                continue  # set with llmtel_options_set_before_send_span
            n, v = name.encode(), example.encode()
            if lib.llmtel_options_set(options, n, len(n), v, len(v)) != 0:
                refused.append(name)
        bogus = b"no_such_option"
        assert lib.llmtel_options_set(options, bogus, len(bogus), b"1", 1) == 3  # LLMTEL_ERROR_INVALID_OPTION
    finally:
        lib.llmtel_options_free(options)
    assert refused == []
