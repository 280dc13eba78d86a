package org.sdj.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link SeedSequence} against NumPy 2's {@code SeedSequence(entropy, spawn_key, pool_size).generate_state(n)}. */
class SeedSequenceTest {
  @ParameterizedTest(name = "{0} {1} pool {2}")
  @CsvSource(delimiter = '|', value = {
      "7 | '' | 24 | 1376543887 623213690 436845524",
      "7 | 3 2 | 24 | 136233753 1309325778 1961886070 2005581940",
      "1099511627781 | 0 0 | 24 | 1951524107 3819168977 1327949154 4230818888",
      "123456789 | 12345 17 | 24 | 2548731112 1389412370 4115580256 3946778939",
      "0 | '' | 4 | 2968811710 3677149159 745650761 2884920346 2642120001",
      "18446744073709551619 | 8589934592 1 | 8 | 1707324412 2536309095 1088902701 536656200 3359904362 743386262"})
  void matchesNumpy(String entropy, String spawnKey, int poolSize, String expected) {
    List<BigInteger> key = spawnKey.isBlank() ? List.of()
        : Arrays.stream(spawnKey.split(" ")).map(BigInteger::new).toList();
    long[] want = Arrays.stream(expected.split(" ")).mapToLong(Long::parseLong).toArray();
    assertArrayEquals(want, new SeedSequence(new BigInteger(entropy), key, poolSize).generateState(want.length));
  }

  @ParameterizedTest
  @CsvSource({"-1", "-4294967296"})
  void negativeEntropyIsRefused(String entropy) {
    assertThrows(IllegalArgumentException.class, () -> new SeedSequence(new BigInteger(entropy), List.of(), 4));
  }
}
