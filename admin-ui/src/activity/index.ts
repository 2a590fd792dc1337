import HistoryIcon from '@mui/icons-material/History';
import { ActivityList, AllActivityList } from './ActivityList';

export default { list: ActivityList, icon: HistoryIcon };
/** Operators: every organization's activity. */
export const allActivity = { list: AllActivityList, icon: HistoryIcon, options: { label: 'All activity' } };
