package org.sdj.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A pipeline's {@code model_index.json}: the pipeline class and, per component folder, the library and class that
 * diffusers would load it with. Components given as {@code [null, null]} (a disabled safety checker, say) are left out.
 *
 * @param className e.g. {@code StableDiffusionPipeline}
 * @param components component name (= folder name) to its library and class; sorted by name
 * @param forceZerosForEmptyPrompt SDXL pipelines' {@code force_zeros_for_empty_prompt} (diffusers' default: true)
 * @param requiresAestheticsScore SDXL refiner pipelines' {@code requires_aesthetics_score} (default: false)
 */
public record ModelIndex(String className, Map<String, ComponentSpec> components, boolean forceZerosForEmptyPrompt,
    boolean requiresAestheticsScore) {

  /**
   * One component's entry, e.g. {@code "unet": ["diffusers", "UNet2DConditionModel"]}.
   *
   * @param library {@code diffusers} or {@code transformers}
   * @param className the class within that library
   */
  public record ComponentSpec(String library, String className) {}

  public ModelIndex {
    components = Collections.unmodifiableMap(new TreeMap<>(components));
  }

  /**
   * Reads and validates a {@code model_index.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static ModelIndex read(Path modelIndexJson) {
    return ConfigReader.readOrThrow(modelIndexJson, "model index", ModelIndex::from);
  }

  static ModelIndex from(ConfigReader c) {
    String className = c.requiredString("_class_name");
    Map<String, ComponentSpec> components = new TreeMap<>();
    for (Map.Entry<String, JsonNode> field : c.root().properties()) {
      JsonNode value = field.getValue();
      // Keys starting with "_" are bookkeeping; non-list values are pipeline flags such as requires_safety_checker.
      if (field.getKey().startsWith("_") || !value.isArray()) {
        continue;
      }
      if (value.size() == 2 && value.get(0).isTextual() && value.get(1).isTextual()) {
        components.put(field.getKey(), new ComponentSpec(value.get(0).textValue(), value.get(1).textValue()));
      } else if (!(value.size() == 2 && value.get(0).isNull() && value.get(1).isNull())) {
        c.problem(field.getKey() + " must be [library, class] or [null, null], not " + value);
      }
    }
    return new ModelIndex(className, components, c.bool("force_zeros_for_empty_prompt", true),
        c.bool("requires_aesthetics_score", false));
  }

  /** The entry of one component, if the pipeline has it. */
  public Optional<ComponentSpec> component(String name) {
    return Optional.ofNullable(components.get(name));
  }
}
