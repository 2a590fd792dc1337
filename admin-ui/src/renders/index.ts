import MovieIcon from '@mui/icons-material/Movie';
import { RenderList } from './RenderList';
import { RenderShow } from './RenderShow';

export default { list: RenderList, show: RenderShow, icon: MovieIcon, options: { label: 'Renders' } };
