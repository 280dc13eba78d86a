package org.sdj.image;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Node;

/**
 * JPEG files with AUTOMATIC1111's parameters: written at A1111's default quality with the text in an EXIF segment
 * ({@link ExifUserComment}), added through ImageIO's {@code javax_imageio_jpeg_image_1.0} metadata as an
 * {@code unknown} segment, and read back from the first one that holds a comment.
 */
final class JpegCodec {
  static final String METADATA_FORMAT = "javax_imageio_jpeg_image_1.0";
  /** A1111's {@code jpeg_quality} default, 80, on ImageIO's scale (which follows libjpeg's quality tables). */
  private static final float QUALITY = 0.80f;
  private static final int APP1 = 0xE1;
  private static final int START_OF_SCAN = 0xDA;
  private static final int END_OF_IMAGE = 0xD9;

  private JpegCodec() {}

  static void encode(Path temp, BufferedImage image, Optional<String> parameters) throws IOException {
    BufferedImage rgb = withoutAlpha(image);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(temp.toFile())) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(QUALITY);
      IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), param);
      if (parameters.isPresent()) {
        Node root = metadata.getAsTree(METADATA_FORMAT);
        Node markers = child(root, "markerSequence");
        IIOMetadataNode exif = new IIOMetadataNode("unknown");
        exif.setAttribute("MarkerTag", Integer.toString(APP1));
        exif.setUserObject(ExifUserComment.segment(parameters.get()));
        markers.insertBefore(exif, markers.getFirstChild());
        metadata.setFromTree(METADATA_FORMAT, root);
      }
      writer.setOutput(out);
      writer.write(null, new IIOImage(rgb, null, metadata), param);
    } finally {
      writer.dispose();
    }
  }

  /**
   * The parameters in a JPEG's EXIF user comment, empty when it has none. The segments before the image data are
   * walked here rather than through ImageIO's metadata, which refuses the files A1111 writes: piexif puts the EXIF
   * segment first, ahead of the JFIF one that ImageIO insists on seeing first.
   *
   * @throws IOException if the file ends inside a segment
   */
  static Optional<String> readParameters(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readUnsignedShort() != 0xFFD8) {
      throw new IOException("no JPEG start marker");
    }
    while (true) {
      int marker = data.readUnsignedByte();
      if (marker != 0xFF) {
        throw new IOException("expected a marker, found 0x" + Integer.toHexString(marker));
      }
      do {
        marker = data.readUnsignedByte();   // 0xFF bytes may pad before a marker
      } while (marker == 0xFF);
      if (marker == START_OF_SCAN || marker == END_OF_IMAGE) {
        return Optional.empty();
      }
      if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7) {
        continue;   // TEM and RSTn carry no length
      }
      int length = data.readUnsignedShort() - 2;
      if (length < 0) {
        throw new IOException("segment 0x" + Integer.toHexString(marker) + " has length " + (length + 2));
      }
      if (marker == APP1) {
        byte[] payload = new byte[length];
        data.readFully(payload);
        Optional<String> text = ExifUserComment.read(payload);
        if (text.isPresent()) {
          return text;
        }
      } else {
        data.skipNBytes(length);
      }
    }
  }

  /** JPEG has no alpha: it is dropped, as PIL's {@code convert("RGB")} (which A1111 applies first) drops it. */
  private static BufferedImage withoutAlpha(BufferedImage image) {
    if (image.getType() == BufferedImage.TYPE_INT_RGB || image.getType() == BufferedImage.TYPE_3BYTE_BGR
        || image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      return image;
    }
    BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    int[] row = new int[image.getWidth()];
    for (int y = 0; y < image.getHeight(); y++) {
      image.getRGB(0, y, row.length, 1, row, 0, row.length);
      rgb.setRGB(0, y, row.length, 1, row, 0, row.length);
    }
    return rgb;
  }

  private static Node child(Node parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n.getNodeName().equals(name)) {
        return n;
      }
    }
    return null;
  }
}
