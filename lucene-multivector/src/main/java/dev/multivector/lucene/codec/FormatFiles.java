package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.FileTypeHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IOUtils;

/** Creates and opens the files of this package's formats, each with its index header. */
final class FormatFiles {

  private FormatFiles() {}

  /** A new file of the segment with its index header; closed again if the header fails. */
  static IndexOutput create(SegmentWriteState state, String extension, String codec, int version)
      throws IOException {
    IndexOutput output =
        state.directory.createOutput(
            IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension),
            state.context);
    boolean success = false;
    try {
      CodecUtil.writeIndexHeader(output, codec, version, state.segmentInfo.getId(), state.segmentSuffix);
      success = true;
      return output;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(output);
      }
    }
  }

  /**
   * The context data files are opened with: searches read them at random (a candidate document's
   * panels, a probed centroid's list), so a directory that advises by context ({@code
   * MMapDirectory.setReadAdvice(MMapDirectory.ADVISE_BY_CONTEXT)}) does not read ahead and fill
   * the page cache with the neighbours of what a search needs.
   */
  static IOContext dataContext(SegmentReadState state) {
    return state.context.withHints(FileTypeHint.DATA, DataAccessHint.RANDOM);
  }

  /**
   * Opens a data file of the segment with the {@link #dataContext} and checks its header, that its
   * version is its metadata's, and its footer's structure, which catches truncation (verifying the
   * whole file on open costs too much: {@code checkIntegrity()} verifies the checksum).
   */
  static IndexInput openData(
      SegmentReadState state,
      String extension,
      String codec,
      int versionStart,
      int versionCurrent,
      int metaVersion)
      throws IOException {
    IndexInput data =
        state.directory.openInput(
            IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension),
            dataContext(state));
    boolean success = false;
    try {
      int version =
          CodecUtil.checkIndexHeader(
              data, codec, versionStart, versionCurrent, state.segmentInfo.getId(), state.segmentSuffix);
      if (version != metaVersion) {
        throw new CorruptIndexException(
            "format versions mismatch: meta=" + metaVersion + ", " + extension + "=" + version, data);
      }
      CodecUtil.retrieveChecksum(data);
      success = true;
      return data;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(data);
      }
    }
  }
}
