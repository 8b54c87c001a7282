# Warning and hardening flags in one place (curl's PickyWarnings habit).
# -Wsign-conversion is left out: with cJSON's int API and size_t lengths it
# flags every index and hides the warnings that matter. -Wformat-truncation
# is left out because bounding text with snprintf is how we cut untrusted
# values and warnings to size on purpose.
set(SG_WARNINGS
    -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion -Wformat=2
    -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla
    -Wpointer-arith -Wundef -Wimplicit-fallthrough -Wnull-dereference
    -Wcast-align -Wwrite-strings -Wno-format-truncation)
add_compile_options(${SG_WARNINGS})
add_compile_definitions(_GNU_SOURCE)

if(SG_SANITIZE)
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
