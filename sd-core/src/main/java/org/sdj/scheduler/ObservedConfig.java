package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A scheduler config that remembers which keys a scheduler asked for, so that an override it never reads (a typo, or
 * another scheduler's setting) can be told apart from one that took effect.
 */
final class ObservedConfig extends ObjectNode {
  private final transient Set<String> asked = ConcurrentHashMap.newKeySet();

  ObservedConfig(ObjectNode config) {
    super(JsonNodeFactory.instance);
    setAll(config);
  }

  @Override
  public JsonNode get(String propertyName) {
    asked.add(propertyName);
    return super.get(propertyName);
  }

  @Override
  public JsonNode path(String propertyName) {
    asked.add(propertyName);
    return super.path(propertyName);
  }

  /** Every key a scheduler asked for, present or not. */
  Set<String> askedKeys() {
    return Set.copyOf(asked);
  }

  /** Whether a scheduler asked for {@code key}. */
  boolean asked(String key) {
    return asked.contains(key);
  }
}
