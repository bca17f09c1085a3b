{
  # spline_native: built by scripts/build-native.mjs (npm's install step), never required to be.
  # Linux: Debian's libdnnl-dev (oneDNN 2.6, OpenMP runtime) and libopenblas-dev.
  # macOS: oneDNN from Homebrew (`brew install onednn libomp`) and Apple's Accelerate for BLAS;
  # written down here, not built or tested on a Mac yet.
  "targets": [
    {
      "target_name": "spline_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/pool.cc", "src/batchnorm.cc", "src/gemm.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # Node-API only: one binary for every Node >= 20 and every Electron.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [
        [
          "OS=='linux'",
          {
            "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions"],
            "libraries": ["-ldnnl", "-lopenblas", "-lgomp"],
          },
        ],
        [
          "OS=='mac'",
          {
            "include_dirs": ["/opt/homebrew/include", "/usr/local/include", "/opt/homebrew/opt/libomp/include"],
            "libraries": ["-L/opt/homebrew/lib", "-L/usr/local/lib", "-L/opt/homebrew/opt/libomp/lib", "-ldnnl", "-lomp", "-framework Accelerate"],
            "xcode_settings": {
              "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
              "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
              "OTHER_CPLUSPLUSFLAGS": ["-Xpreprocessor", "-fopenmp"],
              "MACOSX_DEPLOYMENT_TARGET": "11.0",
            },
          },
        ],
      ],
    }
  ]
}
