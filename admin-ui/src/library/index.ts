import PermMediaIcon from '@mui/icons-material/PermMedia';
import { AssetEdit } from './AssetEdit';
import { AssetList } from './AssetList';

export default {
  list: AssetList,
  edit: AssetEdit,
  icon: PermMediaIcon,
  options: { label: 'Library' },
  recordRepresentation: 'filename',
};
