import { App, Upload, type UploadFile } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { t } from '../../i18n/zh-CN';

const m = t.citizen.submit.photos;

export const MAX_PHOTOS = 5;
const MAX_BYTES = 10 * 1024 * 1024; // the server's default UPLOAD_MAX_BYTES
const TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

interface Props {
  id?: string;
  value: UploadFile[];
  onChange: (files: UploadFile[]) => void;
}

/**
 * Up to five photos chosen before submitting; nothing is sent until the case exists (the files
 * are uploaded to it afterwards with its number and query code).
 */
export function PhotoPicker({ id, value, onChange }: Props) {
  const { message } = App.useApp();
  return (
    <Upload
      id={id}
      listType="picture-card"
      accept={TYPES.join(',')}
      multiple
      fileList={value}
      showUploadList={{ showPreviewIcon: false }}
      beforeUpload={(file) => {
        if (!TYPES.includes(file.type)) {
          message.error(m.badType);
          return Upload.LIST_IGNORE;
        }
        if (file.size > MAX_BYTES) {
          message.error(m.tooLarge);
          return Upload.LIST_IGNORE;
        }
        return false; // keep it here; it is sent once the case has a number
      }}
      onChange={({ fileList }) => {
        if (fileList.length > MAX_PHOTOS) message.warning(m.tooMany);
        onChange(fileList.slice(0, MAX_PHOTOS));
      }}
    >
      {value.length < MAX_PHOTOS && (
        // a real button, so the picker is reached and opened from the keyboard too
        <button type="button" className="citizen-photo-add">
          <PlusOutlined aria-hidden />
          <span>{m.add}</span>
        </button>
      )}
    </Upload>
  );
}
