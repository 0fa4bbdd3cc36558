{
  "targets": [
    {
      "target_name": "svinit",
      "sources": [
        "native/addon.c",
        "native/spawn.c",
        "native/wait.c",
        "native/sys.c",
        "native/errno-name.c",
        "native/catch.c",
        "native/lines.c",
        "native/notify.c"
      ],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"]
    },
    {
      "target_name": "svinit-front",
      "type": "executable",
      "sources": ["native/front.c"],
      "defines": ["_GNU_SOURCE"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"]
    }
  ]
}
