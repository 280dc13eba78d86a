package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.SdjException;
import org.sdj.io.safetensors.SafeTensorsFile;

class ImagesTest {
  /** Pillow's NEAREST resize, byte for byte ({@code src/test/resources/nearest}, by its generator script). */
  @ParameterizedTest(name = "{0}x{1}")
  @CsvSource({"93, 58", "50, 31", "20, 13"})
  void nearestResizeIsPillows(int width, int height) throws Exception {
    BufferedImage resized = Images.resizeNearest(TestPictures.ramp(37, 23), width, height);
    try (SafeTensorsFile expected = SafeTensorsFile.open(
        Path.of(ImagesTest.class.getResource("/nearest/expected.safetensors").toURI()))) {
      assertArrayEquals(expected.get(width + "x" + height).toFloatArray(), TestPictures.bytes(resized));
    }
  }

  @Test
  void tensorToImageToTensorIsWithinOneStep() {
    Random random = new Random(7);
    int h = 5;
    int w = 7;
    float[] images = new float[2 * 3 * h * w];
    for (int i = 0; i < images.length; i++) {
      images[i] = random.nextFloat();
    }
    List<BufferedImage> pictures = Images.toImages(images, new long[] {2, 3, h, w});
    assertEquals(2, pictures.size());
    for (int n = 0; n < 2; n++) {
      BufferedImage picture = pictures.get(n);
      assertEquals(BufferedImage.TYPE_INT_RGB, picture.getType());
      assertEquals(w, picture.getWidth());
      assertEquals(h, picture.getHeight());
      float[] back = Images.toTensor(picture);
      assertArrayEquals(new long[] {1, 3, h, w}, Images.tensorShape(picture));
      for (int i = 0; i < back.length; i++) {
        float unit = (back[i] + 1f) / 2f;
        float original = images[n * 3 * h * w + i];
        assertEquals(original, unit, 0.5f / 255 + 1e-6f, "value " + i + " of image " + n);
      }
    }
  }

  @Test
  void roundsHalfToEvenLikeNumpy() {
    // Float bits whose float32 product with 255 is exactly k + 0.5, with the byte numpy's
    // (images * 255).round().astype("uint8") gives for it and for the float just below it.
    int[][] cases = {
        {989888641, 0, 0}, {1002488001, 2, 1}, {1008771233, 2, 2}, {1012981985, 4, 3},
        {1056833022, 126, 126}, {1056964608, 128, 127}, {1065254526, 254, 253}, {1065320319, 254, 254},
    };
    for (int[] c : cases) {
      float x = Float.intBitsToFloat(c[0]);
      assertEquals(Math.floor(x * 255f) + 0.5, x * 255f, "precondition: a tie for " + x);
      assertEquals(c[1], red(x), "byte of " + x);
      assertEquals(c[2], red(Math.nextDown(x)), "byte just below " + x);
    }
  }

  @Test
  void clampsOutOfRangeValues() {
    assertEquals(0, red(-0.3f));
    assertEquals(255, red(1.7f));
    assertEquals(255, red(Float.POSITIVE_INFINITY));
    assertEquals(0, red(Float.NEGATIVE_INFINITY));
    assertEquals(0, red(0f));
    assertEquals(255, red(1f));
  }

  @Test
  void blackIsNotAnError() {
    BufferedImage black = Images.toImages(new float[3 * 4], new long[] {1, 3, 2, 2}).getFirst();
    assertEquals(0, black.getRGB(1, 1) & 0xFFFFFF);
  }

  @Test
  void nanIsRejectedWithItsPlace() {
    float[] images = new float[2 * 3 * 2 * 3];
    images[3 * 6 + 6 + 4] = Float.NaN; // image 1, channel 1, y 1, x 1
    images[images.length - 1] = Float.NaN;
    InvalidImageException e = assertThrows(InvalidImageException.class,
        () -> Images.toImages(images, new long[] {2, 3, 2, 3}));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertTrue(e.getMessage().contains("2 of 36"), e.getMessage());
    assertTrue(e.getMessage().contains("image 1, channel 1 at y 1, x 1"), e.getMessage());
  }

  @Test
  void badShapesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Images.toImages(new float[12], new long[] {1, 4, 1, 3}));
    assertThrows(IllegalArgumentException.class, () -> Images.toImages(new float[12], new long[] {1, 3, 2, 3}));
    assertThrows(IllegalArgumentException.class, () -> Images.toImages(new float[0], new long[] {0, 3, 2, 3}));
    assertThrows(IllegalArgumentException.class, () -> Images.toImages(new float[12], new long[] {3, 4}));
    assertThrows(IllegalArgumentException.class,
        () -> Images.toImages(new float[12], new long[] {1L << 40, 3, 1L << 40, 1L << 40}));
  }

  @Test
  void toTensorNormalizesLikeDiffusers() {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, 0x00FF80);
    image.setRGB(1, 0, 0x010203);
    float[] t = Images.toTensor(image);
    // planes: R of both pixels, then G, then B
    assertArrayEquals(new float[] {-1f, 1f / 255f * 2f - 1f, 1f, 2f / 255f * 2f - 1f, 128f / 255f * 2f - 1f,
        3f / 255f * 2f - 1f}, t);
  }

  @Test
  void argbDropsAlphaAndKeepsTheStoredColour() {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(0, 0, 0x00336699); // fully transparent
    image.setRGB(1, 0, 0x80FF0000);
    float[] t = Images.toTensor(image);
    assertEquals(0x33 / 255f * 2f - 1f, t[0]);
    assertEquals(1f, t[1]);
    assertEquals(0x99 / 255f * 2f - 1f, t[4]);
  }

  @Test
  void grayIsReadAsItsSampleValue() {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 128);
    gray.getRaster().setSample(1, 0, 0, 50);
    float[] t = Images.toTensor(gray);
    for (int c = 0; c < 3; c++) {
      assertEquals(128 / 255f * 2f - 1f, t[c * 2], "channel " + c);
      assertEquals(50 / 255f * 2f - 1f, t[c * 2 + 1], "channel " + c);
    }
    BufferedImage gray16 = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(0, 0, 0, 65535);
    assertEquals(1f, Images.toTensor(gray16)[0]);
  }

  @Test
  void indexedUsesItsPalette() {
    byte[] r = {0, (byte) 200};
    byte[] g = {0, 10};
    byte[] b = {0, 20};
    BufferedImage indexed = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, r, g, b));
    indexed.getRaster().setSample(0, 0, 0, 1);
    float[] t = Images.toTensor(indexed);
    assertEquals(200 / 255f * 2f - 1f, t[0]);
    assertEquals(10 / 255f * 2f - 1f, t[1]);
    assertEquals(20 / 255f * 2f - 1f, t[2]);
  }

  /** Expected bytes from Pillow 12: pattern(w, h).resize((w - w % 8, h - h % 8), Image.LANCZOS).tobytes(). */
  static Stream<Arguments> pillowLanczos() {
    return Stream.of(
        Arguments.of(21, 13, 16, 8,
            "0900773902816a088296117ce01d804b2d821b407c615781897281d28f7ca5ae8207e180562a7c811d82b15a81ea8a77"
            + "1b0b824b0d7f7d137fa51c80ff287f68387f2a4b8173627f9d7d7fdb9a8193b37f1efe7f663c8092267fc3657fd39582"
            + "2d26805d287f8c2e7fc73780bc437f38537f4b6580827c7fb9947fc3b18007ee7f45b07f752d809e4b7ff07e7f3fac80"
            + "3f517f6f5380995980ef5d7f9669800e79806a967f91ad80cad280e9f57f21868056158084487fbb7980c9af803aeb7f"
            + "518a7f808c80b99280c7b07f37be8041cf8075b47fa3d480de868063517f2e2980695f80928d7fe3b98065d0800b877f"
            + "63de8090e07fd1e57fc878800a7a7f5b907f852280b4267ff8377f3051803e987f7bb67fa3db80f6637f8a207f235080"
            + "755982a55b7fd7617f36308033377f69477f937181dd9a7f73b97f21ca815db27f89717fc84480b64a7f1e937f4dd182"
            + "878f77b89181e6978220af7c44bc807ad282a3c57cf4528162768124837c713782996280de8a7cb5d58214a081657a77"),
        Arguments.of(20, 16, 16, 16,
            "05004d32028f61078b8a0f63d31a9c882974013a744f4f9c776763a1818be49d8b31cd6324b59c6000748d3b70ba64b2"
            + "1003b23d05706c0a7495129cde1d63932c8b0c3d8b5a5263826a9cac8474efa0743cd09c2fb8636b008b983e8fc5674d"
            + "1b0c4d480e8f77138ba01b63e9269c9e3574174674655b9c8d7363b78d8bfaa98b47d9633ac19c760774a34770d070b2"
            + "261bb2531d70822274ab2a9cf43563a9448b22558b706a6391829cdf9c7458b8740de89c56d0637f168bae568fdb7f4d"
            + "31304d5e328f8b378bc73f63ba4a9c0759744a6a74747f9c9c9763eab18b63d28b18e963611c9c8a3974b96770e694b2"
            + "3c4bb2694d70965274d25a9cc5656312748b55858b7f9a63a7b29cf5c9746efc74233b9c6c246395598bc4828ff1af4d"
            + "476c4d746e8fa1738bdd7b63d0869c1d957460a6748abb9cb2cc63ffff8b796f8b2e176377569c9c7874dda3702dd0b2"
            + "5293b27f9570b19a74d5a29c12ad6336bc8b67cb8b90ee63d9ca9c8e037407367455539c7d7863a79f8be8ca8f38f74d"
            + "5dc04d8ac28fbcc78be0cf631dd49c41ff74725e749b009ce42c6399418b125f8b608063889e9cb2e674f35a70430eb2"
            + "68f3b295f170c7ff74eb329c2801634c1e8b7d2d8ba64263ef5a9ca474741d92746baf9c93ed63bd9c8bfe118f4e5e4d"
            + "732c4d9d2e8fe1338b2d3b6320469c5c5574866674c27b9cb5936302ad8b45ce8b6fe56397189ce635745d63701290b2"
            + "7e6bb2a86d70ec7274387a9c2b856367948b91a58bcdba63c0cb9c0dff74506e747a169ca25563f1778b68a28f1dcf4d"
            + "89b04db3b28ff7b78b43bf6336ca9c72d5749cfb74d82e9ccb0b6318348b5b4f8b857063ad959cfcb87473f6702845b2"
            + "94f5b2beff70ff65744e009c411a637d248bac358bd04a630d629c317c74629a748bb79cd4f56389a48b03198f50664d"
            + "984c4de54e8f5f538b145b635d669c867574b78674db9b9c18b3633cca8b6dfd8b963c63df259c945a740e83705bb0b2"
            + "a3a3b2f0a5706aaa741fb29c68bd6391cb8bc2e08be6eb6323119c472274784374a1639cea88639fab8b19e98f66384d"),
        Arguments.of(16, 23, 16, 16,
            "02006327019c4c046371099c961063bb199cde246305319c2a40634f519c74646399799cbe9063e3a99c08c4632dde9c"
            + "12088537097a5c0c8581117aa61885cb217afd2c8515397a3a48855f597a846c85a9817ace9885f6b17a18c7853df67a"
            + "221d80471e7f6c218091267fb62d80d9367fcb4180254e7f4a5d806f6e7f948180b9947fdcab801cc37f28f8804dc87f"
            + "323e80573f7f7c4280a1477fc64e80f4577f006280356f7f5a79807f8a7fa49d80c9bf7ff7d6800cf37f387c805d0f7f"
            + "426a7f676b808c6e7fb17380d5777fd98080238b7f4598806ac17f8fd280b4e57fd8c280dcd97f243f8048187f6d4e80"
            + "51a98076aa7f9bad80c0b27feac78003d07f2fdb8054e87f7977809e887fc39b80ed167f062d80323e7f576a807c8a7f"
            + "61d98086da7fabdd80d0e27fe43a801c437f3f4e80645b7f891380ae1f7fd33280e7607f1f778042a97f67c2808cba7f"
            + "713d7f963e80bb417fdd4b80083f7f2a48804f537f74608099847fbeaa80e5bd7f0bcc802de37f52908077a87f9c1e80"
            + "81aa7fa6ab80cbae7fffa08013ac7f3ab5805fc07f84cd80a9d97fce4380f0517f1666803d7d7f62298087597fac8b80"
            + "91c680b6c77fd9ca80c0207f2527804a307f6f3b8094487fb95780dc447f14708028857f4d9c8072cb7f978e80bca67f"
            + "a17480c6757ff57880008b7f3592805a9b7f7fa680a4b37fc9bc80f8d67f0e508038657f5d7c8082a17fa73b80cc587f"
            + "b0267fd42780cf2a7f232b8044327f693b808e467fb35380d77d7fd28c8023677f477c806c937f916980b69f7fdab980"
            + "c09580ec967f0099802f9e7f54a58079ae7f9eb980c3c67fef4c8001697f328980579e7f7cb580a13d7fc65280f2737f"
            + "d07c80dc7d7f1c80803f857f648c8089957faea080d3ad7fdf6e801f527f425f8067747f8c8b80b1be7fd6d980e25d7f"
            + "e06b85026c7a2a6f854f747a747b8599847abe8f85e39c7a05bd852d307a52548577697a9c8085c1947ae6af85084c7a"
            + "f07a63157b9c3a7e635f839c848a63a9939cce9e63f3ab9c18b7633de09c62416387569cac6d63d1869cf6a1631b5b9c"),
        Arguments.of(70, 9, 64, 8,
            "0200402b01b45405557c0b9d9d1472e81e7d582c92073b5d4b4dae6f62499679b9cb9247b8a9b101e1593f9298620077"
            + "8a3b77ad5c98ed85592fb2b120e2475619b97d4249a177aee3ca5d918c9204107d4f6c7270c59d982c55c227b4f38947"
            + "14bab837114b6367aa8bd362aaa48dff48826de56d146aa25a6a517ee5b6a45746dd8bb8d7004e0994a64e8e67713388"
            + "99f588ba9867ffb2a6425e4e2e9cb86538468b81b6b22c51ea61a292346d1642825d4b8d7f2d62a668aad0274be189bf"
            + "0e04ae37055960099f880f6aaa188af12282613072143f9957515d7b66a7a17d55db96a9d8ae5b06e39c4b926e6e0086"
            + "973f86b7606eff899c41b65b2be1a9621d558946a7ab7c5df8cc99ad8c720d15825c708a7cc96aa4309fd02b59c58da9"
            + "1ebe564516a66f696096e195bfb875e2497d5be68d286c66656da28afe58b35daae08f56ab04a41c98635991917d4079"
            + "a4cf79ce8091d9b8633f60a43ea156713caa958558d430a29b656600388d42467d624f758b3195b16c60df2ba60d8d51"
            + "1b10614411996d156b951b8eb22479ff2e7e7c3c891d4b6f645d96877265b1899bd9a36490b5971cf46d56b58b7b007c"
            + "a04c7ccf6c8bc2966d35bb973dff646e2b9b955265c18596dfe36f75ad89271d7e657e7989d08eae3a6be33899019964"
            + "24c49b5420667c7f949dc471e98186635f8100ff764e82906d7d6996b09ac76064c69d9b0010683da292609274896b83"
            + "ab4783f2237431f492156e6858ab9b7c4864a2919add3c69a771900544764d52816f5b86983d71bc7894ff376628999e"
            + "27248a5025777929879e2f7bd13882c1428047507c395f856e7178938689c59d76c9b28900d6773bf5865d5f7b872781"
            + "a85c81ef807b2ba58611f37755a4897a35769f6789dda3789abe8500607c4e44806b898295fd7bbb5887e9487725ae89"
            + "31f67660308888a578ab7e84ef077d7ca07f13b083575f7a7aab87a10b76d46289f5af7612218848c1796dbe8497767e"
            + "b3697eff53845e957925628863c076895a89ac9e76f35087cd847a0d58835b667f7b6f7da25184d38c789a4b8823a675"
            + "333e8a5c3f77854387a7497bf15282685c80016a7c587985778b789fa189d0b076d5d48912f4774446866a0f7b945481"
            + "b17281ff987b5dca86237f77600b89864c76aa7e89f0d178ccb3850e007c57728078b182a2927bc53e87ff727730bc89"
            + "3c74766c4e8895c678b3c084ff307d98ca7f194f83653b7a86cf87b04076d7828964e57623498852a179795b849ea67e"
            + "d6747e9d80842c25793f53886dff76947989c4d776d16787539c7a2f7083627e7f87867dab6a84eda3780f63881ce075"
            + "3f616168629992666bb16c8eff7579977f7e1a8d89619a6f84ab96abbf65def39bf9fb6418409752176d76568b9a6e7c"
            + "d8947c85b28b1fff6d3f2f976a366491739bc3b065c5d1963b3e6f3051895f817e84f879aa568ee2356b6a9d9925f164"
            + "4e199b7883669ca794d74571ae63862ef3813f97766c649092ff69bf649adb9464004f9b3680685d9192851474a6e983"
            + "f3a383479a740b6092568568786f9b9f7e64d9449ab69e6900ce904c9d766bae8193b886b89571f6d7943892662c459e"
            + "4c8cae758d5999919fd8976a9ea08a1baa8241b77269cd9990e35dbbfca7dd43553644a92f285b5c5e9c83776ea39a86"
            + "f2bf8649ff6e097d9c543c5b766ca99da555d6c5a7b71e5d002f994a767268d18291888ab5396af77c9f1fd459264ea9"
            + "5e555684b8a6a7be60ef1b9589c07500957d59488d77bd669f69a2cb6958e9ceaa1c1e5641afa46ac963927091b29279"
            + "ff4e796eea9120826361bca4854456ac98aae52658d58ca2145c6656708d78637da05f75c37595ff5960418ea6382051"
            + "58bd4081beb4a4c255ecc89d89d17200d57d55fa9274545d9c18aec93c49e62ab90842473f6eb16789598fa398b0e577"
            + "fb7177661e981e43595e69b182a347a9c5b9e11149c92dae11705d53c192757e7d9d1272c1639dfec0554031b4352847"
            + "6993b890b74bb327aaf99462a1738d1a118262776d83f7a2ab6251d791b6f52546236fb84da84e7632a698c267df9488"
            + "747c880b6b674476a66a2e4e9065b8c2d646c870b614aa513562a25c896d847482a76b8deb92624c5baa1cb14b506bbf"));
  }

  @ParameterizedTest
  @MethodSource("pillowLanczos")
  void resizeMatchesPillowLanczosExactly(int w, int h, int newW, int newH, String expectedHex) {
    BufferedImage resized = Images.resizeToMultipleOf(pattern(w, h), 8);
    assertEquals(newW, resized.getWidth());
    assertEquals(newH, resized.getHeight());
    byte[] expected = HexFormat.of().parseHex(expectedHex);
    for (int y = 0; y < newH; y++) {
      for (int x = 0; x < newW; x++) {
        int i = 3 * (y * newW + x);
        int want = (expected[i] & 0xFF) << 16 | (expected[i + 1] & 0xFF) << 8 | expected[i + 2] & 0xFF;
        assertEquals(Integer.toHexString(want), Integer.toHexString(resized.getRGB(x, y) & 0xFFFFFF),
            "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void resizeKeepsAnImageThatAlreadyFits() {
    BufferedImage image = new BufferedImage(16, 24, BufferedImage.TYPE_INT_ARGB);
    assertSame(image, Images.resizeToMultipleOf(image, 8));
  }

  @Test
  void resizeRefusesAnImageSmallerThanTheMultiple() {
    SdjException e = assertThrows(SdjException.class,
        () -> Images.resizeToMultipleOf(new BufferedImage(7, 100, BufferedImage.TYPE_INT_RGB), 8));
    assertTrue(e.getMessage().contains("7x100"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Images.resizeToMultipleOf(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), 0));
  }

  private static BufferedImage pattern(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, (x * 37 + y * 11) % 256 << 16 | (x * x + 3 * y * y) % 256 << 8 | ((x ^ y) & 1) * 255);
      }
    }
    return image;
  }

  private static int red(float value) {
    float[] image = new float[3];
    image[0] = value;
    return Images.toImages(image, new long[] {1, 3, 1, 1}).getFirst().getRGB(0, 0) >>> 16 & 0xFF;
  }
}
