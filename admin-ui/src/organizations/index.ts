import BusinessIcon from '@mui/icons-material/Business';
import { OrganizationEdit, OrganizationList, OrganizationShow } from './Organizations';

export default { list: OrganizationList, show: OrganizationShow, edit: OrganizationEdit, icon: BusinessIcon };
