import * as ImagePicker from 'expo-image-picker';
import type { PickedVideo } from './video-vault.types';

/** The system's picker, videos only; null if the person cancels. */
export async function pickVideo(): Promise<PickedVideo | null> {
  const result = await ImagePicker.launchImageLibraryAsync({
    mediaTypes: ['videos'],
    allowsMultipleSelection: false,
    quality: 1,
  });
  const asset = result.canceled ? null : result.assets[0];
  if (!asset) return null;
  const filename = asset.fileName ?? asset.uri.split('/').pop() ?? 'practice.mp4';
  return {
    uri: asset.uri,
    ...(asset.file ? { file: asset.file } : {}),
    filename,
    contentType: asset.mimeType ?? asset.file?.type ?? 'video/mp4',
    ...((asset.fileSize ?? asset.file?.size) ? { sizeBytes: asset.fileSize ?? asset.file?.size } : {}),
    // expo-image-picker reports milliseconds.
    durationS: asset.duration != null ? asset.duration / 1000 : null,
  };
}
