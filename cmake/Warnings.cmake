# Warning and hardening flags in one place (curl's PickyWarnings habit).
# -Wsign-conversion is left out: with cJSON's int API and size_t lengths it
# flags every index and hides the warnings that matter. -Wformat-truncation
# is left out because bounding text with snprintf is how we cut untrusted
# values and warnings to size on purpose.
set(SG_WARNINGS
    -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion -Wformat=2
    -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla
    -Wpointer-arith -Wundef -Wimplicit-fallthrough -Wnull-dereference
    -Wcast-align -Wwrite-strings)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND SG_WARNINGS -Wno-format-truncation) # clang has no such warning
endif()
add_compile_options(${SG_WARNINGS})
add_compile_definitions(_GNU_SOURCE)

if(SG_FUZZ)
  # Coverage for libFuzzer everywhere; the fuzz targets link -fsanitize=fuzzer.
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SG_FUZZ needs clang: CC=clang cmake -DSG_FUZZ=ON ...")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(SG_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
else()
  add_compile_options(-fstack-protector-strong -fstack-clash-protection)
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_definitions(_FORTIFY_SOURCE=2)
  endif()
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_link_options(-pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack)
endif()
