# The node-gyp route into the same CMake build. node-gyp is what prebuildify and
# electron-rebuild drive (`prebuildify --napi` runs `node-gyp rebuild`); this target runs
# scripts/build-native.mjs (cmake-js + CMakeLists.txt, the one real build) and copies the
# resulting persona_gen.node to node-gyp's output folder. There is no second list of sources.
{
  "targets": [
    {
      "target_name": "persona_gen",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["<(PRODUCT_DIR)/persona_gen.node"],
          "action": [
            "node", "scripts/gyp-build.mjs", "<(PRODUCT_DIR)/persona_gen.node"
          ]
        }
      ]
    }
  ]
}
