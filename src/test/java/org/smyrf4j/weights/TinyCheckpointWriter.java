package org.smyrf4j.weights;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * Writes a float32 TensorFlow checkpoint (PREFIX.index + PREFIX.data-00000-of-00001) the way
 * TensorFlow lays it out, for tests: one data block with prefix-compressed keys (a restart
 * every {@code restartInterval} entries), an index block, an empty metaindex block, the footer.
 */
public final class TinyCheckpointWriter {

    private TinyCheckpointWriter() {
    }

    public static void write(Path prefix, Map<String, FloatTensor> tensors, int restartInterval) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        entries.put("", header());
        for (Map.Entry<String, FloatTensor> t : new TreeMap<>(tensors).entrySet()) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * t.getValue().data().length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(t.getValue().data());
            entries.put(t.getKey(), entry(t.getValue().shape(), data.size(), bytes.capacity()));
            data.write(bytes.array());
        }
        Files.write(Path.of(prefix + ".data-00000-of-00001"), data.toByteArray());

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        long dataOffset = table.size();
        byte[] dataBlock = block(entries, restartInterval);
        table.write(dataBlock);
        table.write(new byte[5]); // trailer: no compression, crc unchecked here
        String lastKey = ((TreeMap<String, byte[]>) entries).lastKey();
        long metaOffset = table.size();
        byte[] metaBlock = block(new TreeMap<>(), 1);
        table.write(metaBlock);
        table.write(new byte[5]);
        long indexOffset = table.size();
        byte[] indexBlock = block(new TreeMap<>(Map.of(lastKey, handle(dataOffset, dataBlock.length))), 1);
        table.write(indexBlock);
        table.write(new byte[5]);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        footer.write(handle(metaOffset, metaBlock.length));
        footer.write(handle(indexOffset, indexBlock.length));
        footer.write(new byte[TfCheckpoint.FOOTER_BYTES - 8 - footer.size()]);
        ByteBuffer magic = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(TfCheckpoint.TABLE_MAGIC);
        footer.write(magic.array());
        table.write(footer.toByteArray());
        Files.write(Path.of(prefix + ".index"), table.toByteArray());
    }

    private static byte[] block(Map<String, byte[]> entries, int restartInterval) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        List<Integer> restarts = new ArrayList<>();
        byte[] previous = new byte[0];
        int count = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] key = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int shared = 0;
            if (count % restartInterval == 0) {
                coded.flush();
                restarts.add(out.size());
            } else {
                while (shared < Math.min(key.length, previous.length) && key[shared] == previous[shared]) {
                    shared++;
                }
            }
            coded.writeUInt32NoTag(shared);
            coded.writeUInt32NoTag(key.length - shared);
            coded.writeUInt32NoTag(e.getValue().length);
            coded.writeRawBytes(key, shared, key.length - shared);
            coded.writeRawBytes(e.getValue());
            previous = key;
            count++;
        }
        coded.flush();
        if (restarts.isEmpty()) {
            restarts.add(0);
        }
        ByteBuffer tail = ByteBuffer.allocate(4 * restarts.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
        restarts.forEach(tail::putInt);
        tail.putInt(restarts.size());
        out.write(tail.array());
        return out.toByteArray();
    }

    private static byte[] handle(long offset, long size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.writeUInt64NoTag(offset);
        coded.writeUInt64NoTag(size);
        coded.flush();
        return out.toByteArray();
    }

    private static byte[] header() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.writeInt32(1, 1); // num_shards
        coded.flush();
        return out.toByteArray();
    }

    private static byte[] entry(int[] shape, long offset, long size) throws IOException {
        ByteArrayOutputStream shapeBytes = new ByteArrayOutputStream();
        CodedOutputStream s = CodedOutputStream.newInstance(shapeBytes);
        for (int dim : shape) {
            ByteArrayOutputStream dimBytes = new ByteArrayOutputStream();
            CodedOutputStream d = CodedOutputStream.newInstance(dimBytes);
            d.writeInt64(1, dim);
            d.flush();
            s.writeByteArray(2, dimBytes.toByteArray());
        }
        s.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.writeEnum(1, TfCheckpoint.DT_FLOAT);
        coded.writeByteArray(2, shapeBytes.toByteArray());
        coded.writeInt64(4, offset);
        coded.writeInt64(5, size);
        coded.writeFixed32(6, 0);
        coded.flush();
        return out.toByteArray();
    }
}
