import FolderIcon from '@mui/icons-material/Folder';
import { ProjectCreate, ProjectEdit } from './ProjectForms';
import { ProjectList } from './ProjectList';
import { ProjectShow } from './ProjectShow';

export default {
  list: ProjectList,
  create: ProjectCreate,
  edit: ProjectEdit,
  show: ProjectShow,
  icon: FolderIcon,
  options: { label: 'Projects' },
  recordRepresentation: 'name',
};
